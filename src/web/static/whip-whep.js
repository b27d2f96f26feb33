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

  async function problemText(response) {
    try {
      const body = await response.json();
      return (body.title || response.status) + ": " + (body.detail || "");
    } catch (error) {
      return "HTTP " + response.status;
    }
  }

  // The RTCPeerConnection configuration: STUN/TURN servers from /v1/ice-servers (TURN credentials
  // minted for this page's token), and with `?relay=1` in the page URL only relayed candidates —
  // to check that TURN works.
  async function rtcConfiguration() {
    let iceServers = [];
    try {
      const response = await fetch("/v1/ice-servers", { headers: authHeaders({}) });
      if (response.ok) iceServers = (await response.json()).iceServers;
    } catch (error) {
      // No servers: host candidates still work on the same network.
    }
    const relay = new URLSearchParams(location.search).get("relay");
    return { iceServers: iceServers, bundlePolicy: "max-bundle", iceTransportPolicy: relay && relay !== "0" ? "relay" : "all" };
  }

  // Reports STUN/TURN errors (e.g. 401: TURN credentials refused) to `report` as text.
  function watchIceErrors(pc, report) {
    pc.addEventListener("icecandidateerror", (event) => {
      report("ICE server " + event.url + " failed: " + event.errorCode + " " + event.errorText);
    });
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

  window.Pipewright = { token, authHeaders, rtcConfiguration, watchIceErrors, negotiate, end, streamFromPath, problemText };
})();
