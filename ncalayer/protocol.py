"""NCALayer's WebSocket protocol: one JSON request, one JSON answer, in turn.

Matched to the client pages use, `ncalayer-js-client` 1.5.6 (sigex-kz), and to the answers of a
real NCALayer recorded in its test data (`test/test-data.json`):

- on connect NCALayer sends `{"result": {"version": "…"}}`;
- `kz.gov.pki.knca.commonUtils` takes `args` as a list and answers
  `{"responseObject": …, "code": "200"}`, or `{"code": "500", "message": …}`: a request whose
  arguments are of the wrong types answers `java.lang.IllegalArgumentException: argument type
  mismatch. Method: <name>`, a dialog the user closed `action.canceled`;
- `kz.gov.pki.knca.basics` `sign` takes `args` as an object and answers
  `{"body": {"result": …}, "status": true}`; a cancelled dialog is `{"body": {}, "status":
  true}` (the client's `canceledByUser`), a failure `{"status": false, "code", "message",
  "details"}`. A CMS comes PEM armoured; XML comes as a list of documents.

Where no recording says what NCALayer answers (a wrong password, no key of the type asked),
the emulator answers in the same shapes with texts of its own: see `WRONG_PASSWORD` and
`NO_SUITABLE_KEY`.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
from collections.abc import Callable
from datetime import datetime
from typing import Any

import orjson
import structlog

from ncalayer import signing
from ncalayer.keys import Chooser, Key, NoSuitableKey, UserCancelled, WrongPassword, key_info

log = structlog.get_logger(__name__)

COMMON_UTILS = "kz.gov.pki.knca.commonUtils"
BASICS = "kz.gov.pki.knca.basics"

CANCELLED = "action.canceled"
WRONG_PASSWORD = "java.io.IOException: keystore password was incorrect"
"""What Java's PKCS#12 key store says to a wrong password (NCALayer asks again in its dialog;
the emulator, with no one to ask, answers with the failure)."""
NO_SUITABLE_KEY = "No key in the storage fits the request (its type, EKU, ИИН or БИН)"
INVOCATION_ERROR = "An invoked method threw an exception."

Answer = dict[str, Any]


def greeting(version: str) -> str:
    return orjson.dumps({"result": {"version": version}}).decode()


class BadArguments(Exception):
    """The arguments are not of the types the method takes (NCALayer's reflection fails)."""


class Session:
    """One page's connection: answers its requests with the keys the chooser gives."""

    def __init__(self, chooser: Chooser, now: Callable[[], datetime]) -> None:
        self.chooser = chooser
        self.now = now
        self.locale = "ru"

    async def answer(self, text: str | bytes) -> str:
        try:
            request = orjson.loads(text)
            if not isinstance(request, dict):
                raise ValueError("not an object")
        except ValueError:
            return _dump({"code": "500", "message": "org.json.JSONException: not a JSON object"})
        module, method = request.get("module"), request.get("method")
        log.info("ncalayer request", module=module, method=method)
        if module == BASICS:
            return _dump(await self._basics(method, request.get("args")))
        if module == COMMON_UTILS:
            return _dump(await self._common(str(method), request.get("args", [])))
        # The client probes for KAZTOKEN (`kz.digiflow.mobile.extensions`): NCALayer has no such
        # module, and a non-200 answer tells the client it talks to NCALayer.
        return _dump({"code": "500", "message": f"Module {module} not found"})

    # --- kz.gov.pki.knca.commonUtils ---------------------------------------------------------

    async def _common(self, method: str, args: Any) -> Answer:
        handler = self._common_methods().get(method)
        if handler is None:
            return {"code": "500", "message": f"java.lang.NoSuchMethodException: {method}"}
        if not isinstance(args, list):
            args = []
        try:
            result = await handler(args)
        except BadArguments:
            return {
                "code": "500",
                "message": f"java.lang.IllegalArgumentException: argument type mismatch. "
                f"Method: {method}",
            }
        except UserCancelled:
            return {"code": "500", "message": CANCELLED}
        except WrongPassword:
            return {"code": "500", "message": WRONG_PASSWORD}
        except NoSuitableKey:
            return {"code": "500", "message": NO_SUITABLE_KEY}
        except signing.XmlInvalid as exc:
            return {"code": "500", "message": str(exc)}
        except _Empty:
            return {"code": "500"}
        if result is _NOTHING:
            return {"code": "200"}
        return {"responseObject": result, "code": "200"}

    def _common_methods(self) -> dict[str, Callable[[list[Any]], Any]]:
        return {
            "getActiveTokens": self._get_active_tokens,
            "getKeyInfo": self._get_key_info,
            "createCAdESFromBase64": self._create_cades,
            "createCMSSignatureFromBase64": self._create_cades,
            "createCAdESFromBase64Hash": self._create_cades_hash,
            "signXml": self._sign_xml,
            "signXmls": self._sign_xmls,
            "changeLocale": self._change_locale,
        }

    async def _get_active_tokens(self, args: list[Any]) -> list[str]:
        # The personas' keys are files (PKCS12), not tokens: NCALayer lists no hardware.
        return []

    async def _get_key_info(self, args: list[Any]) -> dict[str, str]:
        _typed(args, str)
        return key_info(await self._key(""))

    async def _create_cades(self, args: list[Any]) -> str:
        _storage, key_type, data, attach = _typed(args, str, str, str, bool)
        key = await self._key(key_type)
        der = await self._cms(key, _base64(data), attached=attach)
        return base64.b64encode(der).decode()

    async def _create_cades_hash(self, args: list[Any]) -> str:
        _storage, key_type, digest = _typed(args, str, str, str)
        hashed = _base64(digest)
        if not hashed:
            raise _Empty
        key = await self._key(key_type)
        der = await self._cms(key, None, digest=hashed)
        return base64.b64encode(der).decode()

    async def _sign_xml(self, args: list[Any]) -> str:
        _storage, key_type, document, tbs, parent = _typed(args, str, str, str, str, str)
        _no_tbs(tbs)
        key = await self._key(key_type)
        return await asyncio.to_thread(signing.xml, key, document, parent)

    async def _sign_xmls(self, args: list[Any]) -> list[str]:
        _storage, key_type, documents, tbs, parent = _typed(args, str, str, list, str, str)
        if not all(isinstance(d, str) for d in documents):
            raise BadArguments
        _no_tbs(tbs)
        key = await self._key(key_type)
        return [await asyncio.to_thread(signing.xml, key, d, parent) for d in documents]

    async def _change_locale(self, args: list[Any]) -> object:
        (self.locale,) = _typed(args, str)
        return _NOTHING

    # --- kz.gov.pki.knca.basics --------------------------------------------------------------

    async def _basics(self, method: Any, args: Any) -> Answer:
        if method != "sign":
            return _basics_error(f"java.lang.NoSuchMethodException: {method}")
        if not isinstance(args, dict):
            return _basics_error('org.json.JSONException: JSONObject["args"] not found.')
        signing_params = args.get("signingParams", {})
        if not isinstance(signing_params, dict):
            return _basics_error(
                'org.json.JSONException: JSONObject["signingParams"] is not a JSONObject.'
            )
        signer = args.get("signerParams", {})
        if not isinstance(signer, dict):
            return _basics_error(
                'org.json.JSONException: JSONObject["signerParams"] is not a JSONObject.'
            )
        storages = args.get("allowedStorages")
        data = args.get("data")
        documents: list[str] = [
            d for d in (data if isinstance(data, list) else [data]) if isinstance(d, str)
        ]
        if not documents or len(documents) != (len(data) if isinstance(data, list) else 1):
            return _basics_error('org.json.JSONException: JSONObject["data"] is not a string.')
        if storages is not None and "PKCS12" not in storages:
            # Only the allowed storages are offered: none holds a persona's file.
            return {"body": {}, "status": True}
        ekus = signer.get("extKeyUsageOids") or []
        try:
            key = await self._key(
                # The EKU says SIGN or AUTH; with neither, the user picks, and takes SIGN.
                "AUTHENTICATION" if "1.3.6.1.5.5.7.3.2" in ekus else "SIGNATURE",
                ekus=[str(o) for o in ekus],
                iin=signer.get("iin"),
                bin=signer.get("bin"),
            )
            format_ = args.get("format")
            if format_ == "xml":
                xmls = [await asyncio.to_thread(signing.xml, key, d) for d in documents]
                return {"body": {"result": xmls}, "status": True}
            if format_ != "cms":
                return _basics_error(f"Unsupported format: {format_}")
            signatures = [await self._basics_cms(key, d, signing_params) for d in documents]
        except UserCancelled:
            return {"body": {}, "status": True}
        except WrongPassword:
            return _basics_error(WRONG_PASSWORD)
        except NoSuitableKey:
            return _basics_error(NO_SUITABLE_KEY)
        except (signing.XmlInvalid, BadArguments, _Empty) as exc:
            return _basics_error(str(exc) or "invalid data")
        result: str | list[str] = signatures if isinstance(data, list) else signatures[0]
        return {"body": {"result": result}, "status": True}

    async def _basics_cms(self, key: Key, document: str, params: dict[str, Any]) -> str:
        decode = bool(params.get("decode", False))
        raw = _base64(document) if decode else document.encode()
        if params.get("digested", False):
            if not raw:
                raise _Empty
            der = await self._cms(key, None, digest=raw)
        else:
            der = await self._cms(key, raw, attached=bool(params.get("encapsulate", True)))
        return signing.pem_cms(der)

    # --- the user and the key -----------------------------------------------------------------

    async def _key(
        self,
        key_type: str,
        *,
        ekus: list[str] | None = None,
        iin: Any = None,
        bin: Any = None,
    ) -> Key:
        return await asyncio.to_thread(
            self.chooser.key,
            key_type,
            extended_key_usages=ekus or [],
            iin=iin if isinstance(iin, str) and iin else None,
            bin=bin if isinstance(bin, str) and bin else None,
        )

    async def _cms(
        self, key: Key, data: bytes | None, *, digest: bytes | None = None, attached: bool = False
    ) -> bytes:
        return await asyncio.to_thread(
            signing.cms, key, data, digest=digest, attached=attached, signing_time=self.now()
        )


class _Empty(Exception):
    """Input NCALayer fails on without a message (an empty hash): `{"code": "500"}`."""


_NOTHING = object()


def _typed(args: list[Any], *types: type) -> list[Any]:
    """The arguments, if there are as many as `types` and each is of its type (a bool is not
    an int here, as in Java's reflection)."""
    if len(args) != len(types):
        raise BadArguments
    for value, kind in zip(args, types, strict=True):
        if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
            raise BadArguments
    return args


def _base64(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise _Empty from None


def _no_tbs(tbs: str) -> None:
    if tbs:
        # Signing one element by XPath needs an Id to reference: not modelled.
        raise signing.XmlInvalid("tbsElementXPath is not supported by the emulator")


def _basics_error(details: str) -> Answer:
    return {
        "code": "INVOCATION_ERROR",
        "details": details,
        "message": INVOCATION_ERROR,
        "status": False,
    }


def _dump(answer: Answer) -> str:
    return orjson.dumps(answer).decode()
