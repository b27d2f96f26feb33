/**
 * Edits of a real offer, for tests of what the server refuses: each returns a new SDP string
 * changed in one way only.
 */

export function replaceLines(sdp: string, pattern: RegExp, replacement: string): string {
  return sdp.split("\r\n").map((line) => line.replace(pattern, replacement)).join("\r\n");
}

/** The offer with its video m-section repeated under a new mid (two video tracks). */
export function withSecondVideo(sdp: string): string {
  const video = sdp.slice(sdp.indexOf("m=video")).split(/\r\n(?=m=)/)[0].trimEnd();
  const copy = video.replace(/a=mid:\S+/, "a=mid:extra").replace(/a=ssrc:\d+/g, "a=ssrc:99999");
  return `${sdp.trimEnd().replace(/a=group:BUNDLE ([^\r\n]+)/, "a=group:BUNDLE $1 extra")}\r\n${copy}\r\n`;
}

export function withDirection(sdp: string, direction: "sendonly" | "recvonly" | "sendrecv" | "inactive"): string {
  return replaceLines(sdp, /^a=(sendonly|recvonly|sendrecv|inactive)$/, `a=${direction}`);
}

/**
 * The SDP with no candidates at all, as OBS ≥ 30.2 posts it (gathering disabled) and as a
 * trickling client sends it: no `a=candidate`/`a=end-of-candidates`, m-lines on port 9 and
 * `c=IN IP4 0.0.0.0`.
 */
export function withoutCandidates(sdp: string): string {
  return sdp
    .split("\r\n")
    .filter((line) => !line.startsWith("a=candidate:") && line !== "a=end-of-candidates")
    .map((line) => line.replace(/^(m=\w+) \d+ /, "$1 9 ").replace(/^c=IN IP4 .*$/, "c=IN IP4 0.0.0.0"))
    .join("\r\n");
}
