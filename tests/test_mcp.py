"""The Space as an MCP server, driven by the `mcp` client library over streamable HTTP as Claude
Desktop or Cursor would: the tools listed are exactly the agent tools (tabs/agents.py), each
described well enough to act on; generate_digit draws /generate's pixels, score_digit judges a
real MNIST digit, project_digit's recipe redraws its reconstruction; bad input is one sentence;
neither the game (its answer) nor the lab is reachable through any tool."""

from __future__ import annotations

import asyncio
import base64
import io
import json

import httpx
import numpy as np
import pytest
from mcp import ClientSession, types
from mcp.client.streamable_http import streamable_http_client
from PIL import Image

from gan.space.verdict import GENERATED, REAL
from tabs.agents import AGENT_TOOLS, agent_scores


def mcp(app_url: str, *calls: tuple[str, dict]) -> list[types.CallToolResult] | types.ListToolsResult:
    """One MCP session on the app: list the tools (no calls), or make the calls in order."""
    async def session():
        async with streamable_http_client(f"{app_url}/gradio_api/mcp/") as (read, write, _), ClientSession(read, write) as s:
            await s.initialize()
            if not calls:
                return await s.list_tools()
            return [await s.call_tool(name, args) for name, args in calls]
    return asyncio.run(session())


def call(app_url: str, name: str, **args) -> types.CallToolResult:
    return mcp(app_url, (name, args))[0]


def images(result: types.CallToolResult) -> list[np.ndarray]:
    assert not result.isError, result.content
    return [np.asarray(Image.open(io.BytesIO(base64.b64decode(c.data))).convert("L")) for c in result.content if c.type == "image"]


def texts(result: types.CallToolResult) -> list[str]:
    """The tool's text outputs, without the "Image URL: ..." line Gradio adds after each image."""
    return [c.text for c in result.content if c.type == "text" and not c.text.startswith("Image URL: ")]


def png_data_url(digit: np.ndarray) -> str:
    buf = io.BytesIO()
    Image.fromarray(digit).save(buf, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


@pytest.fixture(scope="module")
def tools(app_url) -> dict[str, types.Tool]:
    return {t.name: t for t in mcp(app_url).tools}


def test_the_tools_are_the_agent_tools_and_say_how_to_use_them(app_url, tools):
    assert set(tools) == set(AGENT_TOOLS)
    # The schema route the Hub's own MCP integration reads (no MCP session) names the same tools.
    assert {t["name"] for t in httpx.get(f"{app_url}/gradio_api/mcp/schema", timeout=30).json()} == set(AGENT_TOOLS)
    for tool in tools.values():
        assert len(tool.description) > 100, tool.name
        params = tool.inputSchema["properties"]
        assert params and all(len(p.get("description", "")) > 10 for p in params.values()), (tool.name, params)
    generate = tools["generate_digit"].inputSchema["properties"]
    assert set(generate) == {"digit", "seed", "truncation", "thickness", "slant", "width", "height", "pc1", "pc2", "pc3", "pc4", "z"}
    assert generate["digit"]["type"] == generate["seed"]["type"] == "integer" and "0-9" in generate["digit"]["description"]
    assert "28x28" in tools["generate_digit"].description and "p_real" in tools["score_digit"].description
    assert tools["score_digit"].inputSchema["properties"]["image"]["type"] == "string"  # a URL or data URL, as Gradio's MCP takes files


def test_generate_digit_draws_generates_pixels(app_url, client):
    args = {"digit": 7, "seed": 123, "truncation": 0.8, "thickness": 1.5, "slant": -1}
    [digit] = images(call(app_url, "generate_digit", **args))
    path, recipe = client.predict(**args, api_name="/generate")
    assert digit.shape == (28, 28) and np.array_equal(digit, np.asarray(Image.open(path).convert("L")))
    assert recipe == "digit=7&seed=123&psi=0.8&thickness=1.5&slant=-1"  # every argument reached the generator


def test_generate_grid_lays_its_cells_out_where_the_docstring_says(app_url, studio):
    [picture] = images(call(app_url, "generate_grid", first_seed=100, rows=3, cols=10, digit=-1))
    assert np.array_equal(picture, studio.seed_grid(100, 3, 10)[0])
    assert np.array_equal(picture[2 + 30 * 2:2 + 30 * 2 + 28, 2 + 30 * 3:2 + 30 * 3 + 28],  # cell (2, 3): digit 2, seed 103
                          studio.generate(studio.recipe(2, 103)))


def test_score_digit_judges_an_uploaded_real_mnist_digit(app_url, studio, fixture_digits):
    images_, labels = fixture_digits
    digit, label = images_[0], int(labels[0])
    [text] = texts(call(app_url, "score_digit", image=png_data_url(digit)))
    scores = json.loads(text)
    assert scores == json.loads(agent_scores(studio.score(digit[None])[0]))  # the exact 28x28 PNG keeps its pixels
    assert scores["digit"] == label and scores["is_digit"] and scores["p_real"] > 0.8 and scores["verdict"] == REAL


def test_a_generated_digit_passed_back_is_called_generated(app_url):
    """An agent hands one tool's image to the next as a data URL. (A Space's image URLs work too;
    Gradio refuses to fetch loopback URLs such as this test server's, against request forgery.)"""
    made = call(app_url, "generate_digit", digit=4, seed=9)
    [image] = [c for c in made.content if c.type == "image"]
    [text] = texts(call(app_url, "score_digit", image=f"data:{image.mimeType};base64,{image.data}"))
    scores = json.loads(text)
    assert scores["digit"] == 4 and scores["p_real"] < 0.2 and scores["verdict"] == GENERATED


def test_project_digit_gives_the_latent_that_generate_digit_redraws(app_url, studio, fixture_digits):
    images_, labels = fixture_digits
    [text] = texts(call(app_url, "project_digit", image=png_data_url(images_[1])))
    fit = json.loads(text)
    assert fit["digit"] == int(labels[1]) and fit["pixel_error"] < 0.2 and f"z={fit['z']}" in fit["recipe"].split("&")
    [redrawn] = images(call(app_url, "generate_digit", digit=fit["digit"], z=fit["z"]))
    assert np.array_equal(redrawn, studio.project(images_[1]).reconstruction)  # the fit is deterministic


def test_bad_input_is_one_sentence_and_the_server_keeps_serving(app_url):
    out_of_range, not_an_image, no_digit = mcp(app_url, ("generate_digit", {"digit": 12}),
                                               ("score_digit", {"image": "data:text/plain;base64," + base64.b64encode(b"hello").decode()}),
                                               ("project_digit", {"image": png_data_url(np.zeros((28, 28), np.uint8))}))
    assert out_of_range.isError and "digit must be in 0..9, got 12." in out_of_range.content[0].text
    assert not_an_image.isError and "image" in not_an_image.content[0].text.lower()
    assert no_digit.isError and "blank" in no_digit.content[0].text
    assert images(call(app_url, "generate_digit", digit=3)) != []


def test_no_tool_reaches_the_game_or_the_lab(app_url, tools):
    import app

    # The game's events are private or undocumented (its load test plays over HTTP as a browser does; the
    # answer stays on the server until the guess): none of them is a tool.
    game = [fn for fn in app.demo.fns.values() if fn.fn is not None and fn.fn.__module__ == "tabs.game"]
    assert game and all(fn.api_visibility in ("private", "undocumented") for fn in game)
    # Every tool runs a function of tabs/agents.py, and none of those plays the game.
    endpoints = app.demo.mcp_server_obj.tool_to_endpoint
    assert sorted(endpoints) == sorted(tools) and all(
        fn.fn.__module__ == "tabs.agents" for fn in app.demo.fns.values() if f"/{fn.api_name}" in endpoints.values())
    # Calling the lab's, the UI's or the game's functions by name is refused.
    refused = mcp(app_url, *[(name, {}) for name in ("lab", "generate", "score", "new_round", "guess", "game_new", "game_real", "game_fake", "lambda")])
    assert all(r.isError and "Unknown tool" in r.content[0].text for r in refused)


def test_the_ui_endpoints_stay_on_the_api_with_their_named_parameters(client):
    """Narrowing MCP leaves the documented API alone (api_visibility="undocumented" would not:
    gradio_client then refuses named parameters)."""
    named = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    assert {"/generate", "/grid", "/score", "/project", "/lab", *(f"/{t}" for t in AGENT_TOOLS)} <= set(named)
    assert client.predict(digit=3, seed=42, api_name="/generate")[1] == "digit=3&seed=42&psi=1"
