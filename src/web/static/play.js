// The play page: /whep/<stream> into a <video>, retrying while the stream is not live and
// after the connection drops. Decoded-frame counts are shown (and read by the e2e tests);
// `?relay=1` receives through the TURN server only.
(function () {
  "use strict";
  const stream = Pipewright.streamFromPath();
  const status = document.getElementById("status");
  const statsLine = document.getElementById("stats");
  const video = document.getElementById("player");
  document.getElementById("stream").textContent = stream;

  const state = { pc: null, session: null, connectedAt: null, stats: null, iceErrors: [] };
  window.pipewrightPlayer = state;

  function show(text, isError) {
    status.textContent = text;
    status.className = isError ? "status error" : "status";
  }

  async function sampleStats() {
    if (!state.pc) return;
    const report = await state.pc.getStats();
    report.forEach((entry) => {
      if (entry.type === "inbound-rtp" && entry.kind === "video") {
        state.stats = {
          framesDecoded: entry.framesDecoded || 0,
          frameWidth: entry.frameWidth || 0,
          frameHeight: entry.frameHeight || 0,
          keyFramesDecoded: entry.keyFramesDecoded || 0,
          packetsLost: entry.packetsLost || 0,
          codecId: entry.codecId,
        };
        statsLine.textContent = state.stats.frameWidth + "×" + state.stats.frameHeight + ", " + state.stats.framesDecoded + " frames decoded";
      }
    });
  }

  async function connect(attempt) {
    const endpoint = "/whep/" + encodeURIComponent(stream);
    const pc = new RTCPeerConnection(await Pipewright.rtcConfiguration());
    state.pc = pc;
    Pipewright.watchIceErrors(pc, (text) => {
      state.iceErrors.push(text);
      show(text, true);
    });
    state.connectedAt = null;
    pc.addTransceiver("video", { direction: "recvonly" });
    pc.addTransceiver("audio", { direction: "recvonly" });
    const media = new MediaStream();
    video.srcObject = media;
    pc.addEventListener("track", (event) => media.addTrack(event.track));
    pc.addEventListener("connectionstatechange", () => {
      if (pc.connectionState === "connected") {
        state.connectedAt = performance.now();
        show("Playing " + stream);
      }
      if (pc.connectionState === "failed" || pc.connectionState === "closed") retry(pc, 1);
    });
    try {
      state.session = await Pipewright.negotiate(pc, endpoint);
    } catch (error) {
      pc.close();
      if (error.status === 409) show("Waiting for " + stream + " to go live…");
      else show("Could not play: " + error.message, true);
      const delay = error.retryAfter ? error.retryAfter * 1000 : Math.min(10000, 1000 * 2 ** attempt);
      setTimeout(() => connect(attempt + 1), delay);
    }
  }

  function retry(pc, attempt) {
    if (state.pc !== pc) return;
    state.pc = null;
    pc.close();
    show("Connection lost; reconnecting…");
    setTimeout(() => connect(attempt), 1000);
  }

  window.addEventListener("pagehide", () => Pipewright.end(state.session));
  setInterval(sampleStats, 250);
  connect(0);
})();
