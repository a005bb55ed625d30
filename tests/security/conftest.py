"""Console fixtures shared with tests/accounts and tests/console (accounts, fast password hash)."""

from tests.accounts.conftest import _fast_password_hash, account  # noqa: F401 (fixtures)
