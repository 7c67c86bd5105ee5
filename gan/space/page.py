"""How the page itself is served (docs/performance.md, "First screen"): Gradio 6.31 writes the
whole configuration (every component's props, the layout, every event) and the API's description
into the page's HTML, before the script that starts the page, so a first visitor downloads all of
it before any of Gradio's code. Two changes, both to the page's HTML only: its copy of the
configuration leaves out what only API clients read (`lighter_page_config`), and it is sent
gzip-compressed to browsers that accept it (`CompressPage`). GET /config, /gradio_api/info, the API
and the MCP server are as Gradio serves them."""

from __future__ import annotations

from pathlib import Path

from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

# What the page's own copy of the configuration (the HTML's window.gradio_config) leaves out: each
# component's API schema, three times over (api_info, as input, as output), and its example value.
# gradio_client reads them from GET /config and the API page from /info (both unchanged); Gradio
# 6.31's page code never reads them (checked in its bundle), yet they were 128 KB of its 344 KB.
NOT_READ_BY_THE_PAGE = ("api_info", "api_info_as_input", "api_info_as_output", "example_inputs")


def lighter_page_config() -> bool:
    """Serve the page a configuration without NOT_READ_BY_THE_PAGE, by wrapping the template filter
    that writes it into the page (gradio.routes.templates' "toorjson"). Returns whether it is in
    place (False where a Gradio version has no such filter: the page is then as Gradio makes it)."""
    from gradio import routes

    filters = getattr(getattr(getattr(routes, "templates", None), "env", None), "filters", {})
    original = filters.get("toorjson")
    if original is None:
        return False
    if getattr(original, "lighter", False):
        return True

    def toorjson(value):
        if isinstance(value, dict) and isinstance(value.get("components"), list) and "dependencies" in value:
            value = {**value, "components": [{k: v for k, v in c.items() if k not in NOT_READ_BY_THE_PAGE}
                                             for c in value["components"]]}
        return original(value)

    toorjson.lighter = True
    filters["toorjson"] = toorjson
    return True


class CompressPage:
    """ASGI middleware: the page's HTML (GET or HEAD of the app's root, "/" under any root path the
    server is given) gzip-compressed when the browser accepts it; every other response (Gradio's
    scripts, files, the queue's event streams) passes as it is. For launch(app_kwargs={"middleware":
    [starlette.middleware.Middleware(CompressPage)]})."""

    def __init__(self, app: ASGIApp, compresslevel: int = 6) -> None:
        self.app = app
        self.gzip = GZipMiddleware(app, minimum_size=1000, compresslevel=compresslevel)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("method") in ("GET", "HEAD") and scope.get("path", "").rstrip("/") == "":
            await self.gzip(scope, receive, send)
        else:
            await self.app(scope, receive, send)


def chart_library() -> list[str]:
    """The page-relative URL of Gradio's chart library (Vega, 650 KB of script), which a chart
    imports only when it is first drawn: 0.5-1 s of the Model tab's first opening (measured). The
    page script asks the browser to fetch and parse it early (SHOW_TABS_LATER). [] where this
    Gradio build has no single such file (the charts then load it themselves, as before)."""
    import gradio

    assets = Path(gradio.__file__).parent / "templates" / "frontend" / "assets"
    found = sorted(assets.glob("embed-*.js"))
    return [f"assets/{found[0].name}"] if len(found) == 1 else []
