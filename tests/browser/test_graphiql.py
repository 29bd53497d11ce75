"""GraphiQL in a real browser (Debian's Chromium under Playwright), with every other host blocked: the page and
its assets come from the gateway, the web list runs from the editor, and page JavaScript runs a persisted query."""

from __future__ import annotations

import os
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, Route, sync_playwright

from sandbox import DEMO_API_KEY, DEMO_CAMPAIGN_ID
from tests.support.servers import SandboxHandle, start_gateway

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# As root and on a closed network: no sandbox, and none of Chromium's own background connections.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def gateway_page(browser: Browser, sandbox: SandboxHandle) -> Iterator[tuple[Page, str, list[str]]]:
    """A page whose requests may reach the gateway only: (page, gateway URL, the requests refused elsewhere)."""
    running = start_gateway(sandbox.url, demo_api_key=DEMO_API_KEY, demo_campaign_id=DEMO_CAMPAIGN_ID)
    gateway_host = urlsplit(running.url).netloc
    refused: list[str] = []

    def only_the_gateway(route: Route) -> None:
        if urlsplit(route.request.url).netloc == gateway_host:
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort("blockedbyclient")

    context = browser.new_context()
    context.route("**/*", only_the_gateway)
    page = context.new_page()
    try:
        yield page, running.url, refused
    finally:
        context.close()
        running.stop()


def test_graphiql_runs_the_web_list_from_the_editor_offline(gateway_page: tuple[Page, str, list[str]]) -> None:
    page, url, refused = gateway_page
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(url + "/graphql")
    page.wait_for_selector(".graphiql-container", timeout=30_000)
    assert "WebTargetList" in page.inner_text(".graphiql-query-editor")
    assert DEMO_API_KEY in page.evaluate("document.getElementById('graphiql-config').textContent")
    page.click(".graphiql-execute-button")
    page.wait_for_function(
        "document.querySelector('.result-window') && "
        "document.querySelector('.result-window').innerText.includes('totalCount')", timeout=30_000)
    result = page.inner_text(".result-window").replace("\xa0", " ")
    # the demo campaign's 300 targets, read with the key the headers pane started with (none: UNAUTHENTICATED);
    # the editor renders only the lines in view, so the count and the absence of errors are what shows
    assert '"totalCount": 300' in result and '"errors"' not in result
    assert refused == [] and errors == []


def test_page_javascript_runs_a_persisted_query(gateway_page: tuple[Page, str, list[str]]) -> None:
    """Apollo's APQ as a browser client speaks it: hash alone, then hash with the document, then hash alone."""
    page, url, refused = gateway_page
    page.goto(url + "/graphql")
    outcome = page.evaluate("""async ([key, campaign]) => {
        const query = `query Count($id: UUID!) { campaign(id: $id) { targets(first: 3) { totalCount nodes { id } } } }`;
        const bytes = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(query)));
        const sha256Hash = Array.from(bytes, b => b.toString(16).padStart(2, "0")).join("");
        const extensions = { persistedQuery: { version: 1, sha256Hash } };
        const variables = { id: campaign };
        const post = body => fetch("/graphql", { method: "POST", body: JSON.stringify(body),
            headers: { "content-type": "application/json", "x-api-key": key } }).then(r => r.json());
        const first = await post({ extensions, variables });
        const registered = await post({ query, extensions, variables });
        const params = new URLSearchParams({ extensions: JSON.stringify(extensions),
                                             variables: JSON.stringify(variables) });
        const byGet = await fetch("/graphql?" + params, { headers: { "x-api-key": key } }).then(r => r.json());
        return { first, registered, byGet };
    }""", [DEMO_API_KEY, DEMO_CAMPAIGN_ID])
    assert outcome["first"]["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    assert len(outcome["registered"]["data"]["campaign"]["targets"]["nodes"]) == 3
    assert outcome["byGet"] == outcome["registered"]
    assert refused == []
