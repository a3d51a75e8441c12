# One image for every service of the bus; docker-compose picks the service with its command
# (`egov serve NAME`). Dependencies come from the same hash-locked files as `bootstrap.py`.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY requirements/build.lock requirements/main.lock requirements/
RUN pip install --require-hashes -r requirements/build.lock \
 && pip install --require-hashes -r requirements/main.lock

COPY pyproject.toml README.md ./
COPY servicekit servicekit
COPY egov egov
COPY contracts contracts
COPY gateway gateway
COPY gbd_fl gbd_fl
COPY gbd_ul gbd_ul
COPY eps_passports eps_passports
COPY customs customs
COPY recycling_fee recycling_fee
COPY erap_fines erap_fines
COPY number_bank number_bank
COPY sale_contracts sale_contracts
COPY payments payments
COPY pki pki
COPY registration_service registration_service
COPY frontoffice_service frontoffice_service
COPY notary notary
COPY ncalayer ncalayer
COPY desks desks
# The personas' keys: NCALayer's emulator signs with them.
COPY personas personas
RUN pip install --no-deps --no-build-isolation . \
 && useradd --create-home --uid 10001 egov \
 && mkdir -p /app/data && chown egov /app/data
USER egov

CMD ["egov", "--help"]
