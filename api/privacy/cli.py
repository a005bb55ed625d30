"""RGPD from the command line, for the data protection officer, against SPIE_DATABASE_URL.

    python -m api.privacy.cli purge [--dry-run] [--months N]
    python -m api.privacy.cli export --beneficiary-id N [--output FILE]

purge erases the people inactive for N months (SPIE_RETENTION_MONTHS, 24 by default), as the
scheduler's daily job does; --dry-run only counts them and prints their ids. export writes
everything held about one person as JSON (standard output, or FILE).
"""

import argparse
import json
import logging
import os
import sys

from api.beneficiaries.models import Beneficiary
from api.config import get_settings
from api.db import session_scope, utcnow
from api.privacy import log_masking, retention
from api.privacy.export import export_person

log = logging.getLogger("api.privacy.cli")


def purge(*, dry_run: bool, months: int | None) -> str:
    """Erase (or, dry, count) the inactive people; a line saying what was done."""
    months = get_settings().retention_months if months is None else months
    if months < 1:
        raise SystemExit("--months must be at least 1")
    now = utcnow()
    with session_scope() as session:
        if dry_run:
            ids = retention.inactive_people(session, now=now, months=months)
            listed = f": ids {','.join(map(str, ids))}" if ids else ""
            return f"dry run: {len(ids)} people inactive for {months} months would be erased{listed}"
        records = retention.purge_inactive(session, now, months)
    return f"{len(records)} people inactive for {months} months erased"


def export(*, beneficiary_id: int) -> str:
    """The person's data as indented JSON."""
    with session_scope() as session:
        beneficiary = session.get(Beneficiary, beneficiary_id)
        if beneficiary is None:
            raise SystemExit(f"no person with id {beneficiary_id}")
        data = export_person(session, beneficiary)
    log.info("export of person %s written for an access request", beneficiary_id)
    return json.dumps(data, ensure_ascii=False, indent=2)


def main(argv: list[str] | None = None) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    log_masking.install()
    parser = argparse.ArgumentParser(prog="python -m api.privacy.cli", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    purge_command = commands.add_parser("purge", help="erase the people inactive for the retention period")
    purge_command.add_argument("--dry-run", action="store_true", help="count them, erase nothing")
    purge_command.add_argument("--months", type=int, help="inactivity period (default SPIE_RETENTION_MONTHS)")
    export_command = commands.add_parser("export", help="write everything held about one person (JSON)")
    export_command.add_argument("--beneficiary-id", type=int, required=True)
    export_command.add_argument("--output", help="a file to write (default: standard output)")
    args = parser.parse_args(argv)
    if args.command == "purge":
        print(purge(dry_run=args.dry_run, months=args.months))
        return
    text = export(beneficiary_id=args.beneficiary_id)
    if args.output:
        # Personal data: readable by the DPO's account only.
        with open(
            os.open(args.output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w", encoding="utf-8"
        ) as file:
            file.write(text + "\n")
    else:
        sys.stdout.write(text + "\n")


if __name__ == "__main__":
    main()
