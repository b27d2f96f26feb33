/**
 * HTTP exchanges with the header lines exactly as they came over the socket (fetch folds
 * repeated headers into one), and OBS Studio's `Link` parser (notes/whip-whep.md §2) to read
 * them the way OBS does.
 */
import { request } from "node:http";

export interface RawResponse {
  status: number;
  rawHeaders: string[];
  body: string;
}

export function raw(url: string, method: string, headers: Record<string, string> = {}, body?: string): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk) => (text += chunk));
      res.on("end", () => resolve({ status: res.statusCode!, rawHeaders: res.rawHeaders, body: text }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** Every line of header `name` (lower case), in order. */
export function headerLines(response: RawResponse, name: string): string[] {
  const lines: string[] = [];
  for (let index = 0; index < response.rawHeaders.length; index += 2) {
    if (response.rawHeaders[index].toLowerCase() === name) lines.push(response.rawHeaders[index + 1]);
  }
  return lines;
}

export interface ObsIceServer {
  url: string;
  username?: string;
  credential?: string;
}

/**
 * OBS's Link parser: each header value is split on ",", then each piece on ";"; a piece is a
 * server only if it starts exactly with `<stun:` or `<turn:`; username and credential are what
 * lies between the first and the last `"` of their parameter. Everything else is ignored.
 */
export function obsParseLinks(values: string[]): ObsIceServer[] {
  const servers: ObsIceServer[] = [];
  for (const value of values) {
    for (const link of value.split(",")) {
      const parts = link.split(";");
      if (!parts[0].startsWith("<stun:") && !parts[0].startsWith("<turn:")) continue;
      const server: ObsIceServer = { url: parts[0].slice(1, -1) };
      for (const part of parts.slice(1)) {
        const quoted = part.slice(part.indexOf('"') + 1, part.lastIndexOf('"'));
        if (part.trim().startsWith("username=")) server.username = quoted;
        if (part.trim().startsWith("credential=")) server.credential = quoted;
      }
      servers.push(server);
    }
  }
  return servers;
}
