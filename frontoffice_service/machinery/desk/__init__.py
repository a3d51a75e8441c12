"""The front-office desk of the machinery service (M4–M9): the worker opens an application
for a called submission ticket, identifies the visitor (M6.1, M7), checks the package (M6.2,
M8) and the fees (M6.3), scans the documents (M6.4), forms the electronic application and signs
it (M6.5), and it goes to the provider of the office's region over the bus (M9).

A motivated refusal at the desk (M6.1 power of attorney, M7 face, M8 package) is kept: the
application ends REFUSED with its reasons in ru/kk/en, and answers 200 like any other state. A
mistake of the worker's input (an ID card that is not the person's, an unknown document code)
is a 4xx and changes nothing.
"""
