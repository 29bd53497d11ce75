"""The GraphiQL page, served with every asset from this package (static/): it works with no other host reachable."""

from __future__ import annotations

import html
import json
from pathlib import Path

STATIC = Path(__file__).parent / "static"
ASSETS_PATH = "/graphql/assets"
EXAMPLE = Path(__file__).resolve().parents[3] / "graphql" / "operations" / "web_target_list.graphql"

PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Umanize gateway - GraphiQL</title>
  <link rel="stylesheet" href="{assets}/graphiql.min.css">
  <link rel="stylesheet" href="{assets}/plugin-explorer.css">
  <style>body {{ margin: 0; }} #graphiql {{ height: 100vh; }}</style>
</head>
<body>
  <div id="graphiql">Loading GraphiQL...</div>
  <script id="graphiql-config" type="application/json">{config}</script>
  <script src="{assets}/react.production.min.js"></script>
  <script src="{assets}/react-dom.production.min.js"></script>
  <script src="{assets}/graphiql.min.js"></script>
  <script src="{assets}/plugin-explorer.umd.js"></script>
  <script>
    const config = JSON.parse(document.getElementById("graphiql-config").textContent);
    const fetcher = GraphiQL.createFetcher({{ url: window.location.pathname }});
    const explorer = GraphiQLPluginExplorer.explorerPlugin();
    ReactDOM.createRoot(document.getElementById("graphiql")).render(React.createElement(GraphiQL, {{
      fetcher, plugins: [explorer], defaultEditorToolsVisibility: true, shouldPersistHeaders: false,
      query: config.query, variables: config.variables, headers: config.headers,
    }}));
  </script>
</body>
</html>
"""


def page(*, api_key: str | None, example_variables: dict[str, object]) -> str:
    """The page; on the embedded sandbox its headers pane starts with the demo key, the editor with the web list."""
    query = EXAMPLE.read_text(encoding="utf-8") if EXAMPLE.exists() else "{ __typename }\n"
    config = {
        "query": query,
        "variables": json.dumps(example_variables, indent=2) if EXAMPLE.exists() else "{}",
        "headers": json.dumps({"X-API-Key": api_key} if api_key else {}, indent=2),
    }
    # JSON inside <script>: "</" would end the element early
    text = json.dumps(config).replace("</", "<\\/")
    return PAGE.format(assets=html.escape(ASSETS_PATH), config=text)
