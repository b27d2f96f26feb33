/*
 * The browser side of the Kurento Node tutorials, as their pages do it with kurento-utils:
 * a WebRtcPeer of the tutorial's kind makes the offer, sends it and every local candidate over
 * the signalling socket, applies the answer and the server's candidates. `?tutorial=` picks
 * hello-world (sendrecv, loopback), presenter / viewer (one2many-call: sendonly / recvonly) or
 * call (one2one-call: sendrecv, `&room=`). ICE servers are set to none: kurento-utils would
 * otherwise add public STUN servers (freeice).
 */
/* global kurentoUtils */
const query = new URLSearchParams(location.search);
const tutorial = query.get("tutorial") || "hello-world";
const ws = new WebSocket("ws://" + location.host + "/signal");
const videoInput = document.getElementById("videoInput");
const videoOutput = document.getElementById("videoOutput");
const status = document.getElementById("status");
let webRtcPeer;

const peers = {
  "hello-world": { kind: "WebRtcPeerSendrecv", request: "start", response: "startResponse" },
  presenter: { kind: "WebRtcPeerSendonly", request: "presenter", response: "presenterResponse" },
  viewer: { kind: "WebRtcPeerRecvonly", request: "viewer", response: "viewerResponse" },
  call: { kind: "WebRtcPeerSendrecv", request: "call", response: "callResponse" },
};
const peer = peers[tutorial];

function send(message) {
  ws.send(JSON.stringify(message));
}

function start() {
  status.textContent = "starting";
  const options = {
    localVideo: peer.kind === "WebRtcPeerRecvonly" ? undefined : videoInput,
    remoteVideo: peer.kind === "WebRtcPeerSendonly" ? undefined : videoOutput,
    onicecandidate: (candidate) => send({ id: "onIceCandidate", candidate }),
    configuration: { iceServers: [] },
  };
  webRtcPeer = kurentoUtils.WebRtcPeer[peer.kind](options, function (error) {
    if (error) return fail(error);
    this.generateOffer((error, sdpOffer) => {
      if (error) return fail(error);
      send({ id: peer.request, sdpOffer, room: query.get("room") || undefined });
    });
  });
  window.webRtcPeer = webRtcPeer;
}

function fail(error) {
  status.textContent = "error: " + (error.message || error);
  console.error(error);
}

ws.onmessage = (message) => {
  const parsed = JSON.parse(message.data);
  if (parsed.id === peer.response) {
    if (parsed.response === "rejected") return fail(new Error(parsed.message));
    webRtcPeer.processAnswer(parsed.sdpAnswer, (error) => (error ? fail(error) : (status.textContent = "connected")));
  } else if (parsed.id === "iceCandidate") {
    webRtcPeer.addIceCandidate(parsed.candidate, (error) => error && fail(error));
  }
};

document.getElementById("start").addEventListener("click", start);
document.getElementById("stop").addEventListener("click", () => {
  send({ id: "stop" });
  webRtcPeer?.dispose();
});
window.videoOutput = videoOutput;
ws.onopen = () => {
  window.signallingReady = true;
};
