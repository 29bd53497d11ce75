import { defineConfig } from '@graphql-mesh/compose-cli';
import { loadOpenAPISubgraph } from '@omnigraph/openapi';

export const composeConfig = defineConfig({
  subgraphs: [{
    sourceHandler: loadOpenAPISubgraph('Umanize', {
      source: './umanize-targets.openapi.json',
      endpoint: '{env.UMANIZE_UPSTREAM}',
      operationHeaders: { 'X-API-Key': "{context.headers['x-api-key']}" },
    }),
  }],
});
