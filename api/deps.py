"""FastAPI dependencies shared by the routers, each defined once."""

from typing import Annotated

from fastapi import Depends
from sqlalchemy.orm import Session

from api.db import get_session

# scope="function": the session commits before the response leaves (api/db.py says why).
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
