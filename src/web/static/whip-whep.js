// Pipewright's built-in WHIP/WHEP client for the pages: one POST with a complete offer (ICE
// gathered first, so no trickle is needed), the answer applied, DELETE on stop. Plain browser
// JavaScript, no dependencies; exposed as window.Pipewright.
(function () {
  "use strict";

  function token() {
    const fromQuery = new URLSearchParams(location.search).get("token");
    if (fromQuery) localStorage.setItem("pipewright.token", fromQuery);
    return fromQuery || localStorage.getItem("pipewright.token") || "";
  }

  function authHeaders(extra) {
    const headers = Object.assign({}, extra);
    const value = token();
    if (value) headers.Authorization = "Bearer " + value;
    return headers;
  }

  function gatheringComplete(pc, timeoutMs) {
    if (pc.iceGatheringState === "complete") return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      pc.addEventListener("icegatheringstatechange", () => {
        if (pc.iceGatheringState === "complete") {
          clearTimeout(timer);
          resolve();
        }
      });
    });
  }

  // Parses `Link: <turn:…>; rel="ice-server"; username="u"; credential="c"` values.
  function iceServersFrom(response) {
    const header = response.headers.get("Link");
    if (!header) return [];
    return header.split(/,\s*(?=<)/).flatMap((link) => {
      const url = /^<([^>]+)>/.exec(link);
      if (!url || !/rel="ice-server"/.test(link)) return [];
      const server = { urls: url[1] };
      const username = /username="((?:[^"\\]|\\.)*)"/.exec(link);
      const credential = /credential="((?:[^"\\]|\\.)*)"/.exec(link);
      if (username) server.username = username[1].replace(/\\(.)/g, "$1");
      if (credential) server.credential = credential[1].replace(/\\(.)/g, "$1");
      return [server];
    });
  }

  async function problemText(response) {
    try {
      const body = await response.json();
      return (body.title || response.status) + ": " + (body.detail || "");
    } catch (error) {
      return "HTTP " + response.status;
    }
  }

  async function iceServers(endpoint) {
    try {
      const response = await fetch(endpoint, { method: "OPTIONS", headers: authHeaders({}) });
      return iceServersFrom(response);
    } catch (error) {
      return [];
    }
  }

  // Negotiates `pc` against a WHIP/WHEP endpoint; resolves to the session URL.
  async function negotiate(pc, endpoint) {
    await pc.setLocalDescription(await pc.createOffer());
    await gatheringComplete(pc, 3000);
    const response = await fetch(endpoint, {
      method: "POST",
      headers: authHeaders({ "Content-Type": "application/sdp" }),
      body: pc.localDescription.sdp,
    });
    if (response.status !== 201) {
      const error = new Error(await problemText(response));
      error.status = response.status;
      error.retryAfter = Number(response.headers.get("Retry-After")) || 0;
      throw error;
    }
    const session = response.headers.get("Location");
    await pc.setRemoteDescription({ type: "answer", sdp: await response.text() });
    return session;
  }

  function end(session) {
    if (!session) return Promise.resolve();
    return fetch(session, { method: "DELETE", headers: authHeaders({}), keepalive: true }).catch(() => {});
  }

  function streamFromPath() {
    return decodeURIComponent(location.pathname.split("/").filter(Boolean)[1] || "");
  }

  window.Pipewright = { token, authHeaders, iceServers, negotiate, end, streamFromPath, problemText };
})();
