"""The archive of the machinery service (M16–M17): the paper basis of every application sent
to the provider stays at its front office for one month, then the provider takes it away by an
acceptance act in two copies, signed with ЭЦП by the provider and by the head of the front
office (or the deputy).

The month (M16) is `frontoffice_service.machinery.keeping`'s: the desk sets it when it sends an
application, and it is checked once more here when a party signs — a tester who moves the clock
back cannot hand over paper whose month is not over.

The act (M17): the provider's officer of the office's region draws it up; it lists every due
application of that office not in another act (an application has one `act_id`, so it is in
one act at most). Both parties sign the same document (`ArchiveAct.document`: the number, the
date, the office, the provider and the list; the head is named by the signature, not in
advance). Each party signs once: one conditional UPDATE per signature decides between two
requests of the same party, and the same statement makes the act SIGNED when the other
party's signature is already there, so the second of two parties signing at once sees the
first's and completes the act. In the transaction that completes it, every listed application
becomes HANDED_OVER.

Who sees what: an officer sees the offices and acts of their own region only (an office of
another region is 403 PROVIDER_OFFICE_FORBIDDEN, as a worker's other office is; an act of
another region is 404, as if it did not exist, as another region's application is); an office
sees its own acts (404 for others).
"""

from frontoffice_service.archive.acts import act_document
from frontoffice_service.archive.pdf import pdf_document, render_pdf
from frontoffice_service.machinery.keeping import is_due, keep_until, leave_from

__all__ = ["act_document", "is_due", "keep_until", "leave_from", "pdf_document", "render_pdf"]
