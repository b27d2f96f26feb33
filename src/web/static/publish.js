// The publish page: camera and microphone to /whip/<stream>. `?codec=H264&autostart=1`
// preselects a codec and starts at once (what the end-to-end tests use); `?relay=1` sends
// through the TURN server only.
(function () {
  "use strict";
  const stream = Pipewright.streamFromPath();
  const params = new URLSearchParams(location.search);
  const status = document.getElementById("status");
  const codecSelect = document.getElementById("codec");
  const startButton = document.getElementById("start");
  const stopButton = document.getElementById("stop");
  document.getElementById("stream").textContent = stream;
  document.getElementById("watch").href = "/play/" + encodeURIComponent(stream);
  if (params.get("codec")) codecSelect.value = params.get("codec").toUpperCase();

  const state = { pc: null, session: null, media: null, iceErrors: [] };
  window.pipewrightPublisher = state;

  function show(text, isError) {
    status.textContent = text;
    status.className = isError ? "status error" : "status";
  }

  function preferCodec(transceiver, name) {
    if (!name || !RTCRtpSender.getCapabilities || !transceiver.setCodecPreferences) return;
    const codecs = RTCRtpSender.getCapabilities("video").codecs;
    const wanted = codecs.filter((codec) => codec.mimeType.toLowerCase() === "video/" + name.toLowerCase());
    if (wanted.length === 0) throw new Error("this browser cannot send " + name);
    const rest = codecs.filter((codec) => !wanted.includes(codec) && /rtx|red|ulpfec/i.test(codec.mimeType));
    transceiver.setCodecPreferences(wanted.concat(rest));
  }

  async function start() {
    startButton.disabled = true;
    try {
      show("Opening camera and microphone…");
      state.media = state.media || (await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 640, height: 480 } }));
      document.getElementById("preview").srcObject = state.media;
      const pc = new RTCPeerConnection(await Pipewright.rtcConfiguration());
      state.pc = pc;
      Pipewright.watchIceErrors(pc, (text) => {
        state.iceErrors.push(text);
        show(text, true);
      });
      for (const track of state.media.getTracks()) {
        const transceiver = pc.addTransceiver(track, { direction: "sendonly", streams: [state.media] });
        if (track.kind === "video") preferCodec(transceiver, codecSelect.value);
      }
      pc.addEventListener("connectionstatechange", () => show("Publishing " + stream + ": " + pc.connectionState, pc.connectionState === "failed"));
      show("Connecting…");
      state.session = await Pipewright.negotiate(pc, "/whip/" + encodeURIComponent(stream));
      stopButton.disabled = false;
    } catch (error) {
      show("Could not publish: " + error.message, true);
      startButton.disabled = false;
      if (state.pc) state.pc.close();
      state.pc = null;
    }
  }

  async function stop() {
    stopButton.disabled = true;
    if (state.pc) state.pc.close();
    await Pipewright.end(state.session);
    state.pc = null;
    state.session = null;
    startButton.disabled = false;
    show("Stopped.");
  }

  startButton.addEventListener("click", start);
  stopButton.addEventListener("click", stop);
  window.addEventListener("pagehide", () => Pipewright.end(state.session));
  if (params.get("autostart")) start();
})();
