/**
 * Run as a child process by the event-log durability test, never imported: starts a server on
 * the data directory given as the first argument, registers a webhook for pipeline.created,
 * creates a pipeline named "last-words" through the PipelineService (what the REST route and
 * the Kurento face call), and kills itself with SIGKILL in the same turn of the event loop —
 * the harshest moment to crash: nothing queued for a later turn gets written.
 */
import { startTestServer } from "./server.ts";

const dataDir = process.argv[2];
if (!dataDir) throw new Error("usage: kill-after-change.ts <dataDir>");
const server = await startTestServer({}, { dataDir });
server.webhooks.register({ url: "http://127.0.0.1:9/hook", eventTypes: ["pipeline.created"] });
server.pipelines.createPipeline({ origin: "api", name: "last-words" });
process.kill(process.pid, "SIGKILL");
