"""The sale-contract registry's operation on the gateway's sync channel.

`EDO_SaleContract` answers the e-signed sale contract (ЭДО) for a vehicle between a seller
(БИН) and a buyer (ИИН), for the VIN flow's checks V8 and V13: its status and whether each
party signed. No contract between the three is an answer (`found: false`), never a fault; a VIN
whose check digit (position 9) does not match is answered as usual and flagged with
`vinCheckDigitValid: false`.

Tester scenarios (`X-Test-Scenario`, relayed by the gateway):

- `sale_contracts.not_found`: no contract is found for any parties;
- `sale_contracts.seller_only`: a contract the seller signed is answered without the buyer's
  signature (`SIGNED_BY_SELLER`); a draft or an annulled contract is answered as it is.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sale_contracts.models import STATUS_LABELS, ContractStatus, SaleContract
from sale_contracts.repository import ContractRepository
from sale_contracts.schemas import (
    Buyer,
    ContractIn,
    ContractRecord,
    Party,
    SaleContractAnswer,
    SaleContractRequest,
    Seller,
    Signature,
    Vehicle,
)
from servicekit.errors import Conflict, Problem
from servicekit.identifiers import parse_vin
from servicekit.messages import Texts, register, texts_for
from servicekit.provider import SyncCall, SyncProvider

SALE_CONTRACT = "EDO_SaleContract"
SCENARIO_NOT_FOUND = "sale_contracts.not_found"
SCENARIO_SELLER_ONLY = "sale_contracts.seller_only"

provider = SyncProvider(
    "sale_contracts",
    {
        SCENARIO_NOT_FOUND: "no contract is found for any parties",
        SCENARIO_SELLER_ONLY: "a contract signed by both is answered as signed by the seller only",
    },
)

register(
    {
        "SALE_CONTRACT_NOT_FOUND": Texts(
            "Сведения о договоре купли-продажи транспортного средства с VIN {vin} между "
            "продавцом и покупателем в системах электронного подписания не найдены",
            "Электрондық қол қою жүйелерінде VIN {vin} көлік құралын сатушы мен сатып алушы "
            "арасындағы сатып алу-сату шарты туралы мәліметтер табылмады",
            "No e-signed sale contract between this seller and buyer found for VIN {vin}",
        ),
        "CONTRACT_NUMBER_FORMAT": Texts(
            "Номер договора — от 3 до 32 символов: латинские заглавные буквы, цифры и дефис",
            "Шарт нөмірі — 3-тен 32-ге дейін таңба: латынның бас әріптері, цифрлар және сызықша",
            "A contract number is 3 to 32 characters of Latin capitals, digits and hyphens",
        ),
        "CONTRACT_SELLER_SIGNS_FIRST": Texts(
            "Покупатель подписывает договор после продавца: подписи продавца ещё нет",
            "Сатып алушы шартқа сатушыдан кейін қол қояды: сатушының қолы әлі жоқ",
            "The buyer signs after the seller, and the seller has not signed yet",
        ),
        "CONTRACT_SIGNER_NOT_BUYER": Texts(
            "За покупателя договор подписывает сам покупатель: ИИН подписанта должен совпадать "
            "с ИИН покупателя",
            "Сатып алушының атынан шартқа сатып алушының өзі қол қояды: қол қоюшының ЖСН-і "
            "сатып алушының ЖСН-імен сәйкес болуы керек",
            "The buyer signs for himself: the signer's IIN must be the buyer's",
        ),
        "CONTRACT_ALREADY_SIGNED": Texts(
            "Договор уже подписан этой стороной",
            "Шартқа бұл тарап қол қойып қойған",
            "This party has already signed the contract",
        ),
        "CONTRACT_ANNULLED": Texts(
            "Договор аннулирован: подписать его нельзя",
            "Шарт жойылған: оған қол қоюға болмайды",
            "The contract is annulled and cannot be signed",
        ),
    }
)


@provider.operation(SALE_CONTRACT, SaleContractRequest)
async def sale_contract(data: SaleContractRequest, call: SyncCall) -> SaleContractAnswer:
    check_digit_valid = parse_vin(data.vin).check_digit_valid
    contract = None
    if call.scenario != SCENARIO_NOT_FOUND:
        contract = await ContractRepository(call.session).for_parties(
            data.vin, data.seller_bin, data.buyer_iin
        )
    if contract is None:
        return SaleContractAnswer(
            found=False,
            vin_check_digit_valid=check_digit_valid,
            code="SALE_CONTRACT_NOT_FOUND",
            messages=texts_for("SALE_CONTRACT_NOT_FOUND").render({"vin": data.vin}),
        )
    record = to_record(contract)
    if call.scenario == SCENARIO_SELLER_ONLY and record.status is ContractStatus.SIGNED_BY_BOTH:
        record = record.model_copy(
            update={
                "buyer_signature": None,
                "buyer_signed": False,
                "status": ContractStatus.SIGNED_BY_SELLER,
                "status_label": STATUS_LABELS[ContractStatus.SIGNED_BY_SELLER],
            }
        )
    return SaleContractAnswer(found=True, vin_check_digit_valid=check_digit_valid, contract=record)


def check_contract(body: ContractIn) -> None:
    """What the schema alone cannot see: who may sign, and in which order."""
    if body.buyer_signature is None:
        return
    if body.seller_signature is None:
        raise Problem("CONTRACT_SELLER_SIGNS_FIRST", status=422, field="buyerSignature")
    if body.buyer_signature.signer_iin != body.buyer.iin:
        raise Problem("CONTRACT_SIGNER_NOT_BUYER", status=422, field="buyerSignature.signerIin")


def sign(contract: SaleContract, party: Party, signer_iin: str, at: datetime) -> None:
    """Add one party's signature, as the ЭДО system does when a party signs with its ЭЦП."""
    if contract.annulled_at is not None:
        raise Conflict("CONTRACT_ANNULLED", field="number")
    if party is Party.SELLER:
        if contract.seller_signed_at is not None:
            raise Conflict("CONTRACT_ALREADY_SIGNED", field="party")
        contract.seller_signed_at, contract.seller_signer_iin = at, signer_iin
        return
    if contract.buyer_signed_at is not None:
        raise Conflict("CONTRACT_ALREADY_SIGNED", field="party")
    if contract.seller_signed_at is None:
        raise Conflict("CONTRACT_SELLER_SIGNS_FIRST", field="party")
    if signer_iin != contract.buyer_iin:
        raise Problem("CONTRACT_SIGNER_NOT_BUYER", status=422, field="signerIin")
    contract.buyer_signed_at, contract.buyer_signer_iin = at, signer_iin


def _utc(moment: datetime | None) -> datetime | None:
    # As the database gives it back, so a PUT answers what a later GET does.
    return moment.astimezone(UTC) if moment is not None else None


def to_row(number: str, body: ContractIn) -> SaleContract:
    seller_signature, buyer_signature = body.seller_signature, body.buyer_signature
    return SaleContract(
        number=number,
        contract_date=body.contract_date,
        price_kzt=body.price_kzt,
        seller_bin=body.seller.bin,
        seller_name=body.seller.name,
        buyer_iin=body.buyer.iin,
        buyer_name=body.buyer.name,
        vin=body.vehicle.vin,
        make=body.vehicle.make,
        model=body.vehicle.model,
        year_of_manufacture=body.vehicle.year_of_manufacture,
        seller_signed_at=_utc(seller_signature.signed_at if seller_signature else None),
        seller_signer_iin=seller_signature.signer_iin if seller_signature else None,
        buyer_signed_at=_utc(buyer_signature.signed_at if buyer_signature else None),
        buyer_signer_iin=buyer_signature.signer_iin if buyer_signature else None,
        annulled_at=_utc(body.annulled_at),
    )


def _signature(signed_at: datetime | None, signer_iin: str | None) -> Signature | None:
    if signed_at is None or signer_iin is None:
        return None
    return Signature(signed_at=signed_at, signer_iin=signer_iin)


def to_record(contract: SaleContract) -> ContractRecord:
    status = contract.status
    return ContractRecord(
        number=contract.number,
        contract_date=contract.contract_date,
        price_kzt=contract.price_kzt,
        seller=Seller(bin=contract.seller_bin, name=contract.seller_name),
        buyer=Buyer(iin=contract.buyer_iin, name=contract.buyer_name),
        vehicle=Vehicle(
            vin=contract.vin,
            make=contract.make,
            model=contract.model,
            year_of_manufacture=contract.year_of_manufacture,
        ),
        seller_signature=_signature(contract.seller_signed_at, contract.seller_signer_iin),
        buyer_signature=_signature(contract.buyer_signed_at, contract.buyer_signer_iin),
        annulled_at=contract.annulled_at,
        status=status,
        status_label=STATUS_LABELS[status],
        seller_signed=contract.seller_signed_at is not None,
        buyer_signed=contract.buyer_signed_at is not None,
    )
