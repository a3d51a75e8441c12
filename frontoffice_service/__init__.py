"""ИИС ЦОН 2.0 — the State Corporation's front offices, one service in rooms: the electronic
queue (`queue`), the pick-up of the VIN registration's documents (`pickup`, V20–V22), the SMS
centre (`sms`), and the machinery registration (`machinery`, M3–M17) with the ЦОН's desk
(`machinery.desk`), the akimat's desk АРМ ГО (`provider`) and the archive (`archive`)."""

# The rooms raise the kit's StepRefusal with the service's codes: whatever part of the service
# a process imports, the codes' texts are registered with it.
from frontoffice_service import problems as problems
