// A Node client built only from proto/ (no generated code): proves the contract works outside Python.
// Usage: node grpc_client.mjs <address> <api-key> <campaign-id> <target-id>
// Prints one JSON line with what ListTargets and RestoreTarget answered.
import grpc from "@grpc/grpc-js";
import protoLoader from "@grpc/proto-loader";
import { fileURLToPath } from "node:url";
import path from "node:path";

const [address, apiKey, campaignId, targetId] = process.argv.slice(2);
const protoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../proto");
const definition = protoLoader.loadSync("umanize/targets/v1/targets.proto", {
  includeDirs: [protoRoot], keepCase: true, longs: Number, enums: String, defaults: true, oneofs: true,
});
const { TargetsService } = grpc.loadPackageDefinition(definition).umanize.targets.v1;
const client = new TargetsService(address, grpc.credentials.createInsecure());
const metadata = new grpc.Metadata();
metadata.set("x-api-key", apiKey);

const call = (method, request) => new Promise((resolve, reject) => {
  client[method](request, metadata, { deadline: Date.now() + 10000 }, (error, response) =>
    error ? reject(error) : resolve(response));
});

try {
  const page = await call("ListTargets", { campaign_id: campaignId, page_size: 2,
    filter: { ai_label: "AI_LABEL_POSITIVE" } });
  const restored = await call("RestoreTarget", { campaign_id: campaignId, target_id: targetId });
  let notFound = null;
  try {
    await call("RestoreTarget", { campaign_id: campaignId, target_id: "00000000-0000-4000-8000-000000000000" });
  } catch (error) {
    notFound = { code: error.code, details: error.details };
  }
  console.log(JSON.stringify({
    total_size: page.total_size,
    labels: page.targets.map((t) => t.ai_analysis.label),
    has_next: page.next_page_token !== "",
    restored_id: restored.target.id,
    restored_customer: restored.target.customer.id,
    not_found: notFound,
  }));
  client.close();
} catch (error) {
  console.error(JSON.stringify({ code: error.code, details: error.details }));
  client.close();
  process.exit(1);
}
