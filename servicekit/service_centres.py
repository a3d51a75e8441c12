"""ЦОН offices (public service centres) of the pilot regions: where documents are handed out.

Real names and addresses were not found (kz-reference §10), so the offices are synthetic, one
per district of Almaty city and one per city/district of Kostanay region that the personas use.
Both state services read this list: `registration_service` offers it to the buyer (V15) and
`frontoffice_service` runs the offices (V20–V22, M4–M17). The ids are stable: they appear in
applications, tickets and events.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ServiceCentre:
    id: str
    region_code: str
    """The region's code on vehicle plates (kz-reference §3): 02 Almaty city, 10 Kostanay."""
    name: str
    name_kk: str
    address: str


SERVICE_CENTRES: tuple[ServiceCentre, ...] = (
    ServiceCentre(
        "ALM-ALMALY",
        "02",
        "ЦОН Алмалинского района г. Алматы",
        "Алматы қ. Алмалы ауданының ХҚКО",
        "г. Алматы, ул. Толе би, 155",
    ),
    ServiceCentre(
        "ALM-BOSTANDYK",
        "02",
        "ЦОН Бостандыкского района г. Алматы",
        "Алматы қ. Бостандық ауданының ХҚКО",
        "г. Алматы, пр. Аль-Фараби, 93",
    ),
    ServiceCentre(
        "ALM-AUEZOV",
        "02",
        "ЦОН Ауэзовского района г. Алматы",
        "Алматы қ. Әуезов ауданының ХҚКО",
        "г. Алматы, мкр. Аксай-1, 28Б",
    ),
    ServiceCentre(
        "ALM-MEDEU",
        "02",
        "ЦОН Медеуского района г. Алматы",
        "Алматы қ. Медеу ауданының ХҚКО",
        "г. Алматы, ул. Пушкина, 2",
    ),
    ServiceCentre(
        "KST-KOSTANAY",
        "10",
        "ЦОН г. Костанай",
        "Қостанай қ. ХҚКО",
        "г. Костанай, пр. Аль-Фараби, 65",
    ),
    ServiceCentre(
        "KST-RUDNY", "10", "ЦОН г. Рудный", "Рудный қ. ХҚКО", "г. Рудный, ул. 50 лет Октября, 74"
    ),
    ServiceCentre(
        "KST-FEDOROVKA",
        "10",
        "ЦОН Федоровского района",
        "Федоров ауданының ХҚКО",
        "Федоровский р-н, с. Федоровка, ул. Ленина, 20",
    ),
)

_BY_ID = {centre.id: centre for centre in SERVICE_CENTRES}


def service_centre(centre_id: str) -> ServiceCentre | None:
    return _BY_ID.get(centre_id)


def centres_in(region_code: str) -> list[ServiceCentre]:
    return [centre for centre in SERVICE_CENTRES if centre.region_code == region_code]
