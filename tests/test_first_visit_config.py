"""The first visit's page (issue 43), read from the served HTML and through gradio_client: every
endpoint the README names and the four MCP tools are still in the page's configuration and answer;
what a closed tab or panel shows starts hidden (its code is neither downloaded nor built until it
opens), with an event that shows it; the page's copy of the configuration leaves out the API
schemas that only API clients read (GET /config keeps them) and is sent gzip-compressed."""

from __future__ import annotations

import gzip
import json
import re
import urllib.request

import numpy as np
import pytest
from gradio_client import handle_file
from PIL import Image

from conftest import ROOT
from tabs.agents import AGENT_TOOLS

README_ENDPOINT = re.compile(r"^\| `/(\w+)` \|", re.M)


def readme_endpoints() -> list[str]:
    names = README_ENDPOINT.findall((ROOT / "README.md").read_text())
    assert {"generate", "score", "lab"} <= set(names), names  # the table is where this test reads it
    return names


def page_html(app_url: str, gzipped: bool = False) -> tuple[str, dict]:
    request = urllib.request.Request(app_url + "/", headers={"Accept-Encoding": "gzip"} if gzipped else {})
    with urllib.request.urlopen(request, timeout=60) as response:
        body, encoding = response.read(), response.headers.get("Content-Encoding")
    return (gzip.decompress(body) if encoding == "gzip" else body).decode(), {"Content-Encoding": encoding}


def page_config(app_url: str) -> dict:
    """The configuration as the page holds it: the HTML's window.gradio_config."""
    html, _ = page_html(app_url)
    start = html.index("window.gradio_config = ") + len("window.gradio_config = ")
    return json.loads(html[start:html.index(";</script>", start)])


def server_config(app_url: str) -> dict:
    with urllib.request.urlopen(app_url + "/config", timeout=60) as response:
        return json.loads(response.read())


@pytest.fixture(scope="module")
def config(app_url) -> dict:
    return page_config(app_url)


def test_every_readme_endpoint_and_mcp_tool_is_in_the_page_config(app_url, config):
    wanted = set(readme_endpoints()) | set(AGENT_TOOLS)
    for where, cfg in [("the page's configuration", config), ("GET /config", server_config(app_url))]:
        named = {d["api_name"] for d in cfg["dependencies"] if d.get("api_visibility") == "public"}
        assert wanted <= named, f"missing from {where}: {sorted(wanted - named)}"


def png(path, pixels: np.ndarray) -> str:
    Image.fromarray(pixels).save(path)
    return str(path)


def test_every_readme_endpoint_and_mcp_tool_answers_through_gradio_client(client, studio, fixture_digits, tmp_path):
    images, _ = fixture_digits
    digit = png(tmp_path / "digit.png", images[1])
    answers = {
        "generate": lambda: client.predict(digit=3, seed=42, api_name="/generate")[1] == "digit=3&seed=42&psi=1",
        "grid": lambda: np.array_equal(np.asarray(Image.open(client.predict(first_seed=5, rows=2, cols=3, api_name="/grid"))),
                                       studio.seed_grid(5, 2, 3)[0]),
        "interpolate": lambda: Image.open(client.predict(seed_a=1, seed_b=2, frames=4, api_name="/interpolate")).n_frames == 6,
        "score": lambda: client.predict(image=handle_file(digit), api_name="/score")[3]["is_digit"],
        "score_files": lambda: len(client.predict(files=[handle_file(digit)], api_name="/score_files")[1]["data"]) == 1,
        "score_drawing": lambda: "Draw" in str(client.predict(None, api_name="/score_drawing")[3]),  # blank: its reason (the verdict)
        "project": lambda: "z=" in client.predict(image=handle_file(digit), api_name="/project")[1],
        "human_eval": lambda: "answered" in client.predict(api_name="/human_eval"),
        "lab": lambda: "log" in client.submit(arch="mlp", steps=10, max_seconds=5, api_name="/lab").result()[-1],
        "generate_digit": lambda: np.array_equal(np.asarray(Image.open(client.predict(digit=7, seed=1, api_name="/generate_digit"))),
                                                 studio.generate(studio.recipe(7, 1))),
        "generate_grid": lambda: Image.open(client.predict(rows=1, cols=2, digit=4, api_name="/generate_grid")).size == (62, 32),
        "score_digit": lambda: json.loads(client.predict(image=handle_file(digit), api_name="/score_digit"))["is_digit"],
        "project_digit": lambda: "z" in json.loads(client.predict(image=handle_file(digit), api_name="/project_digit")),
    }
    # /morph morphs the projection this session has steered, which an API session has none of: it says so.
    with pytest.raises(Exception, match="Steer a digit first"):
        client.predict(seed_b=1, api_name="/morph")
    for name in set(readme_endpoints()) | set(AGENT_TOOLS):
        if name != "morph":
            assert answers[name](), name


def closed_places(cfg: dict) -> dict[str, tuple[int, str, set[int]]]:
    """Each tab but the first, and each closed accordion of the first tab: (its id, the event that
    opens it, the ids of the blocks inside it)."""
    components = {c["id"]: c for c in cfg["components"]}
    places = {}

    def inside(node) -> set[int]:
        return {i for child in node.get("children", []) for i in {child["id"]} | inside(child)}

    def closed_panels(node):
        for child in node.get("children", []):
            props = components[child["id"]]["props"]
            if components[child["id"]]["type"] == "accordion" and props.get("open") is False:
                places[props.get("elem_id") or props.get("label")] = (child["id"], "expand", inside(child))
            else:
                closed_panels(child)

    def find_tabs(node):
        for child in node.get("children", []):
            if components[child["id"]]["type"] == "tabs":
                return child
            found = find_tabs(child)
            if found:
                return found

    first, *others = find_tabs(cfg["layout"])["children"]
    closed_panels(first)
    for tab in others:
        places[components[tab["id"]]["props"]["label"]] = (tab["id"], "select", inside(tab))
    return places


LAYOUT = ("row", "column", "form", "tabs", "tabitem", "accordion", "group", "state", "api")
SHOWS = "visible: true"  # in the js of tabs.show_on's events


def test_what_a_closed_tab_or_panel_shows_starts_hidden_and_is_shown_when_it_opens(config):
    components = {c["id"]: c for c in config["components"]}
    places = closed_places(config)
    assert {"Discriminator", "Real or fake?", "Model", "Training lab", "steer", "grid-panel", "interp-panel"} <= set(places)
    shows = [d for d in config["dependencies"] if d["js"] and SHOWS in d["js"]]
    for place, (block, event, ids) in places.items():
        leaves = {i for i in ids if components[i]["type"] not in LAYOUT}
        shown = [(components[i]["type"], components[i]["props"].get("elem_id")) for i in leaves
                 if components[i]["props"].get("visible", True) is not False]
        assert not shown, f"{place}: {shown} would be downloaded and built with the first screen"
        on_open = {o for d in shows if [block, event] in d["targets"] for o in d["outputs"]}
        assert on_open and on_open <= leaves, place  # opening it shows its own components
    revealed = {components[o]["props"].get("elem_id") for d in shows for o in d["outputs"]}
    assert {"steer-sketch", "grid-rows", "interp-frames", "uploads", "examples", "hist", "game-digit", "model-text",
            "curve-losses", "lab-preset", "lab-train"} <= revealed
    # What starts hidden on purpose keeps its own visibility: the lab's stopped status, the API's inputs.
    assert "lab-ended" not in revealed


def test_the_first_screen_has_no_markdown_and_no_component_of_a_closed_place(config):
    """The first screen's own types only (each type is a download of its own: gr.Markdown alone was 7
    files and 30 KB before the first digit); the agents' hidden endpoint components stay hidden too."""
    shown = {c["type"] for c in config["components"] if c["props"].get("visible", True) is not False}
    assert shown <= {"tabs", "tabitem", "row", "column", "form", "accordion", "radio", "number", "button", "slider",
                     "textbox", "image", "state", "api"}, shown


def test_the_page_config_leaves_out_the_api_schemas_and_get_config_keeps_them(app_url, config):
    assert not any(key in c for c in config["components"] for key in ("api_info", "api_info_as_input", "example_inputs"))
    full = server_config(app_url)
    assert any("api_info" in c for c in full["components"])
    assert len(json.dumps(config)) < 0.75 * len(json.dumps(full))
    assert config["dependencies"] == full["dependencies"]  # every event, as Gradio wrote it


def test_the_page_is_sent_compressed_to_a_browser_that_accepts_it(app_url):
    html, headers = page_html(app_url, gzipped=True)
    assert headers.get("Content-Encoding") == "gzip" and "window.gradio_config" in html
    plain, headers = page_html(app_url)
    assert headers["Content-Encoding"] is None and plain == html
    with urllib.request.urlopen(urllib.request.Request(app_url + "/config", headers={"Accept-Encoding": "gzip"}), timeout=60) as r:
        assert "Content-Encoding" not in r.headers  # only the page itself
