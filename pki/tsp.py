"""The test НУЦ's time-stamping authority (RFC 3161), as НУЦ РК runs one beside its CA.

A TimeStampReq (DER) in, a TimeStampResp (DER) out: the token is a CMS SignedData over a TSTInfo
that holds the request's messageImprint and nonce and the bus time as genTime, signed by the
TSA certificate (issued by the issuing CA, id-kp-timeStamping critical) and bound to it by an
ESS signingCertificateV2 attribute (RFC 5816). A signer sends the hash of its signature value
and adds the token as a signatureTimeStampToken (CAdES-T): the token proves the signature
existed at genTime, which the signer's own signingTime cannot.

A request the TSA cannot serve is answered `rejection` with the RFC's failInfo: badDataFormat
(not a TimeStampReq), badRequest (not version 1), badAlg (an imprint that is not SHA-256/384/512
of the right length), unacceptedPolicy (a policy other than `POLICY`), unacceptedExtensions.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime

from asn1crypto import algos, cms, tsp
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from pki.issuance import Authority
from servicekit.signatures import TimeStampResp, asn1_certificate

POLICY = "1.2.398.3.3.2.1"
"""The test TSA's policy identifier (an emulator value under НУЦ РК's arc)."""
_DIGEST_SIZES = {"sha256": 32, "sha384": 48, "sha512": 64}


class _Refused(Exception):
    def __init__(self, fail_info: str, text: str) -> None:
        super().__init__(text)
        self.fail_info, self.text = fail_info, text


def stamp(tsa: Authority, query_der: bytes, now: datetime) -> bytes:
    """The TSA's DER answer to a DER TimeStampReq: a token at `now`, or a rejection."""
    try:
        query = _read(query_der)
    except _Refused as refused:
        return _refusal(refused)
    info = tsp.TSTInfo(
        {
            "version": "v1",
            "policy": POLICY,
            "message_imprint": query["message_imprint"],
            # Unique without a counter to keep: 122 random bits, within RFC 3161's 160.
            "serial_number": uuid.uuid4().int,
            "gen_time": now,
            "accuracy": {"seconds": 1},
            "nonce": query["nonce"].native,
            "tsa": asn1_x509.GeneralName(
                {"directory_name": asn1_certificate(tsa.certificate).subject}, explicit=0
            ),
        }
    )
    token = sign_token(tsa, info, include_certificate=bool(query["cert_req"].native))
    return bytes(TimeStampResp({"status": {"status": "granted"}, "time_stamp_token": token}).dump())


def granted(reply: bytes) -> bool:
    """Whether a reply of `stamp` carries a token."""
    return bool(TimeStampResp.load(reply)["status"]["status"].native == "granted")


def _read(query_der: bytes) -> tsp.TimeStampReq:
    try:
        query = tsp.TimeStampReq.load(query_der, strict=True)
        version = query["version"].native
        algorithm = query["message_imprint"]["hash_algorithm"]["algorithm"].native
        hashed = query["message_imprint"]["hashed_message"].native
        policy = query["req_policy"].dotted if query["req_policy"].native else None
        extensions = query["extensions"].native
    except (ValueError, TypeError, KeyError):
        raise _Refused("bad_data_format", "not a DER TimeStampReq") from None
    if version != "v1":
        raise _Refused("bad_request", "only version 1 requests are served")
    if _DIGEST_SIZES.get(algorithm) != len(hashed):
        raise _Refused("bad_alg", "the imprint must be a SHA-256, SHA-384 or SHA-512 hash")
    if policy is not None and policy != POLICY:
        raise _Refused("unaccepted_policy", f"this TSA issues tokens under {POLICY} only")
    if extensions:
        raise _Refused("unaccepted_extensions", "no request extensions are supported")
    return query


def _refusal(refused: _Refused) -> bytes:
    status = tsp.PKIStatusInfo(
        {
            "status": "rejection",
            "status_string": [refused.text],
            "fail_info": tsp.PKIFailureInfo({refused.fail_info}),
        }
    )
    return bytes(TimeStampResp({"status": status}).dump())


def sign_token(tsa: Authority, info: tsp.TSTInfo, *, include_certificate: bool) -> cms.ContentInfo:
    certificate = asn1_certificate(tsa.certificate)
    attributes = cms.CMSAttributes(
        [
            cms.CMSAttribute({"type": "content_type", "values": ["tst_info"]}),
            cms.CMSAttribute(
                {"type": "message_digest", "values": [hashlib.sha256(info.dump()).digest()]}
            ),
            cms.CMSAttribute(
                {
                    "type": "signing_certificate_v2",
                    "values": [
                        {"certs": [{"cert_hash": hashlib.sha256(certificate.dump()).digest()}]}
                    ],
                }
            ),
        ]
    )
    signature = tsa.key.sign(attributes.dump(), padding.PKCS1v15(), hashes.SHA256())
    signer = cms.SignerInfo(
        {
            "version": "v1",
            "sid": {
                "issuer_and_serial_number": {
                    "issuer": certificate.issuer,
                    "serial_number": certificate.serial_number,
                }
            },
            "digest_algorithm": algos.DigestAlgorithm({"algorithm": "sha256"}),
            "signed_attrs": attributes,
            "signature_algorithm": algos.SignedDigestAlgorithm({"algorithm": "sha256_rsa"}),
            "signature": signature,
        }
    )
    signed_data = cms.SignedData(
        {
            # v3: the encapsulated content is not id-data (RFC 5652 §5.1).
            "version": "v3",
            "digest_algorithms": [algos.DigestAlgorithm({"algorithm": "sha256"})],
            "encap_content_info": {"content_type": "tst_info", "content": info},
            "certificates": [certificate] if include_certificate else None,
            "signer_infos": [signer],
        }
    )
    return cms.ContentInfo({"content_type": "signed_data", "content": signed_data})
