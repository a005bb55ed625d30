"""The console's assets, served by the API itself (never from a CDN).

The État's design system comes from the npm package @gouvfr/dsfr (package.json): only its
`dist` folder is served, at /console/static/dsfr. The console's own few styles are at
/console/static/console.
"""

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

ROOT = Path(__file__).resolve().parents[2]
DSFR_DIST = ROOT / "node_modules" / "@gouvfr" / "dsfr" / "dist"
OWN_ASSETS = Path(__file__).resolve().parent / "static"
DSFR_URL = "/console/static/dsfr"
OWN_URL = "/console/static/console"


class MissingAssets(RuntimeError):
    pass


def mount_static(app: FastAPI, *, dsfr_dist: Path = DSFR_DIST) -> None:
    """Serve the DSFR and the console's styles; refuse to start without the DSFR."""
    if not (dsfr_dist / "dsfr.min.css").is_file():
        raise MissingAssets(
            f"the design system (DSFR) is missing: {dsfr_dist} has no dsfr.min.css. "
            "Run `npm ci` at the root of the project (`make run` and `make test` do it)."
        )
    app.mount(DSFR_URL, StaticFiles(directory=dsfr_dist), name="dsfr")
    app.mount(OWN_URL, StaticFiles(directory=OWN_ASSETS), name="console-assets")
