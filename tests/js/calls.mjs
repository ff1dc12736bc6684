// Runs octokit calls read as JSON from stdin, in order, against PACKYARD_API_URL, and
// prints each outcome as JSON: [{label, status, data | message}].
// A call: {"label": "...", "token": "...", "method": "packages.deletePackageVersionForUser",
//          "params": {...}}
import { Octokit } from "@octokit/rest";

const input = await new Promise((resolve) => {
  let text = "";
  process.stdin.setEncoding("utf8");
  process.stdin.on("data", (chunk) => (text += chunk));
  process.stdin.on("end", () => resolve(text));
});

const results = [];
for (const call of JSON.parse(input)) {
  const octokit = new Octokit({
    auth: call.token ?? undefined,
    baseUrl: process.env.PACKYARD_API_URL,
    log: { debug() {}, info() {}, warn() {}, error() {} },
    request: { retries: 0 },
  });
  const [namespace, name] = call.method.split(".");
  try {
    const response = await octokit.rest[namespace][name](call.params ?? {});
    results.push({ label: call.label, status: response.status, data: response.data,
                   headers: response.headers });
  } catch (error) {
    results.push({ label: call.label, status: error.status ?? -1,
                   message: error.response?.data?.message ?? String(error) });
  }
}
process.stdout.write(JSON.stringify(results));
