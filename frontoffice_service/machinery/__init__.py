"""The machinery registration service (M3–M17): the application, its statuses and what the
rooms that work on it share.

Its rooms: `machinery.desk` (the front office, M5–M9), `frontoffice_service.provider` (the
akimat's desk АРМ ГО, M10–M15, with its machinery registry) and
`frontoffice_service.archive` (M16–M17). The desk and the provider never import each other:
what both need lives here (`catalogue`, `models`, `states`, `keeping`, `schemas`, `views`).
"""
