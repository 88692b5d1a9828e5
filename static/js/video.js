// The camera strip of a room page: peer-to-peer WebRTC, signalled over the room's socket.
//
// Nothing is captured or sent before the person's click. Each camera that is on is sent
// to every other page of the room on a connection of its own: the viewer offers to
// receive (recvonly), the camera's page answers with its tracks. The server relays the
// offers, answers and candidates to the one page they name (video/signalling.py) and
// keeps the room's count of cameras. Microphones are off by default and, in a room, work
// only in breaks the room allows them in: a work phase stops one's own microphone and
// mutes everyone else's. The timer and the page work the same without any of this.
(function () {
  "use strict";
  var strip = document.querySelector("[data-video-strip]");
  if (!strip) return;
  var roomEl = strip.closest("[ws-connect]");
  var tiles = strip.querySelector("[data-role=tiles]");
  var template = strip.querySelector("[data-role=tile-template]");
  var cameraButton = strip.querySelector("[data-role=camera-toggle]");
  var micButton = strip.querySelector("[data-role=mic-toggle]");
  var fullNote = strip.querySelector("[data-role=camera-full]");
  var CONNECT_WITHIN_MS = 10000;

  var me = { user: Number(strip.getAttribute("data-user")), peer: newToken() };
  var socket = null; // the ws extension's socket wrapper, while open
  var ice = [];
  var cap = 6;
  var cameras = []; // the room's cameras that are on, as the server last said
  var micInBreaks = strip.getAttribute("data-mic-in-breaks") === "true";
  // A 1:1 partner session's room: either person may speak at any time.
  var micAnyTime = strip.getAttribute("data-mic-any-time") === "true";
  var cameraState = strip.querySelector('[data-role="camera-state"]');
  var aliveEvery = 10000;
  var aliveTimer = null;
  var local = { stream: null, mic: null, starting: false, on: false };
  var links = new Map(); // "in:<peer>" (their camera) or "out:<peer>" (mine, to them)
  var closed = false; // the room was closed: no more cameras on this page

  function newToken() {
    var bytes = new Uint8Array(12);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function send(message) {
    if (socket) socket.send(JSON.stringify(message));
  }

  function toast(text) {
    if (window.focusmate && window.focusmate.toast) window.focusmate.toast(text, "error");
  }

  // --- tiles --------------------------------------------------------------------------

  function person(userId) {
    return document.getElementById("person-" + userId);
  }

  function tileFor(peer) {
    return tiles.querySelector('[data-peer="' + CSS.escape(peer) + '"]');
  }

  function makeTile(peer, userId, name) {
    var tile = tileFor(peer);
    if (tile) return tile;
    tile = template.content.firstElementChild.cloneNode(true);
    tile.setAttribute("data-peer", peer);
    tile.setAttribute("data-user", String(userId));
    tile.setAttribute("data-mic", "off");
    tile.querySelector(".tile-name").textContent = peer === me.peer ? name + " (you)" : name;
    var video = tile.querySelector("video");
    var hide = tile.querySelector("[data-role=tile-hide]");
    hide.addEventListener("click", function () {
      var hidden = tile.classList.toggle("is-hidden");
      hide.textContent = hidden ? "Show" : "Hide";
      hide.setAttribute("aria-pressed", hidden ? "true" : "false");
    });
    var pip = tile.querySelector("[data-role=tile-pip]");
    if (document.pictureInPictureEnabled && video.requestPictureInPicture) {
      pip.hidden = false;
      pip.addEventListener("click", function () {
        if (document.pictureInPictureElement === video) document.exitPictureInPicture();
        else video.requestPictureInPicture().catch(function () { toast("Picture-in-picture isn't available for this video yet."); });
      });
    }
    if (peer === me.peer) tiles.prepend(tile);
    else tiles.appendChild(tile);
    refreshCaption(tile);
    return tile;
  }

  // The goal and the avatar come from the people list, which the room's pushes keep live.
  function refreshCaption(tile) {
    var row = person(tile.getAttribute("data-user"));
    var goal = row && row.querySelector(".intention");
    tile.querySelector(".tile-goal").textContent = goal ? goal.textContent : "";
    var avatarBox = tile.querySelector(".tile-avatar");
    var avatar = row && row.querySelector(".avatar");
    if (avatar && !avatarBox.firstChild) avatarBox.appendChild(avatar.cloneNode(true));
  }

  function setState(tile, state, problem, retry) {
    if (!tile) return;
    tile.setAttribute("data-state", state);
    var box = tile.querySelector(".tile-problem");
    box.hidden = !problem;
    tile.querySelector(".tile-problem-text").textContent = problem || "";
    var button = tile.querySelector("[data-role=tile-retry]");
    button.hidden = !retry;
    button.onclick = retry || null;
  }

  function removeTile(peer) {
    var tile = tileFor(peer);
    if (!tile) return;
    var video = tile.querySelector("video");
    if (document.pictureInPictureElement === video) document.exitPictureInPicture();
    video.srcObject = null;
    tile.remove();
  }

  function ownTile() {
    return makeTile(me.peer, me.user, strip.getAttribute("data-username"));
  }

  // --- connections --------------------------------------------------------------------

  function closeLink(key) {
    var link = links.get(key);
    if (!link) return;
    links.delete(key);
    clearTimeout(link.timer);
    link.pc.onicecandidate = link.pc.ontrack = link.pc.onconnectionstatechange = null;
    link.pc.close();
    if (link.lane === "in") removeTile(link.peer);
  }

  function closeLinksWith(peer) {
    closeLink("in:" + peer);
    closeLink("out:" + peer);
  }

  function closeAll() {
    Array.from(links.keys()).forEach(closeLink);
  }

  function newLink(lane, camera) {
    var key = lane + ":" + camera.peer;
    var pc = new RTCPeerConnection({ iceServers: ice });
    var link = { key: key, lane: lane, peer: camera.peer, user: camera.user, pc: pc, pending: [], timer: null };
    // Whose camera the connection carries, from the point of view of the one it is sent to.
    var cam = lane === "in" ? "recipient" : "sender";
    pc.onicecandidate = function (event) {
      if (!event.candidate || !event.candidate.candidate) return;
      send({ video: "candidate", to_user: camera.user, to_peer: camera.peer, cam: cam,
        candidate: event.candidate.candidate, mid: event.candidate.sdpMid || "",
        mline: event.candidate.sdpMLineIndex });
    };
    links.set(key, link);
    return link;
  }

  function watchIncoming(link) {
    var tile = tileFor(link.peer);
    var pc = link.pc;
    function giveUp() {
      setState(tile, "failed",
        "No connection after 10 seconds. A firewall may block video: try another network, or ask the site's operator to set up its TURN server.",
        function () { retryIncoming(link.peer); });
    }
    link.timer = setTimeout(function () {
      if (pc.connectionState !== "connected") giveUp();
    }, CONNECT_WITHIN_MS);
    pc.onconnectionstatechange = function () {
      if (pc.connectionState === "connected") {
        clearTimeout(link.timer);
        if (tile && tile.getAttribute("data-state") !== "live") setState(tile, "connecting");
      } else if (pc.connectionState === "failed") {
        clearTimeout(link.timer);
        giveUp();
      }
    };
  }

  function retryIncoming(peer) {
    var camera = cameras.find(function (c) { return c.peer === peer; });
    var link = links.get("in:" + peer);
    if (link) send({ video: "bye", to_user: link.user, to_peer: peer, cam: "recipient" });
    closeLink("in:" + peer);
    if (camera) receiveFrom(camera);
  }

  // A viewer offers to receive a camera that is on.
  function receiveFrom(camera) {
    var tile = makeTile(camera.peer, camera.user, camera.name);
    setState(tile, "connecting");
    var link = newLink("in", camera);
    var pc = link.pc;
    var video = tile.querySelector("video");
    var stream = new MediaStream();
    pc.addTransceiver("video", { direction: "recvonly" });
    pc.addTransceiver("audio", { direction: "recvonly" });
    pc.ontrack = function (event) {
      stream.addTrack(event.track);
      if (event.track.kind === "audio") applyPhase();
      video.srcObject = stream;
      video.play().catch(function () {});
    };
    video.onplaying = function () {
      clearTimeout(link.timer);
      setState(tile, "live");
    };
    watchIncoming(link);
    pc.createOffer()
      .then(function (offer) { return pc.setLocalDescription(offer); })
      .then(function () {
        send({ video: "offer", to_user: camera.user, to_peer: camera.peer, cam: "recipient", sdp: pc.localDescription.sdp });
      })
      .catch(function () { setState(tile, "failed", "Video couldn't start in this browser.", null); });
  }

  // The camera's page answers a viewer's offer with its tracks.
  function answerViewer(message) {
    var from = { user: message.from_user, peer: message.from_peer };
    if (!local.on || !local.stream) {
      send({ video: "bye", to_user: from.user, to_peer: from.peer, cam: "sender" });
      return;
    }
    closeLink("out:" + from.peer);
    var link = newLink("out", from);
    var pc = link.pc;
    pc.onconnectionstatechange = function () {
      if (pc.connectionState === "failed" || pc.connectionState === "closed") closeLink(link.key);
    };
    pc.setRemoteDescription({ type: "offer", sdp: message.sdp })
      .then(function () {
        pc.getTransceivers().forEach(function (transceiver) {
          var kind = transceiver.receiver.track.kind;
          transceiver.direction = "sendonly";
          var track = kind === "video" ? local.stream.getVideoTracks()[0] : local.mic;
          transceiver.sender.replaceTrack(track || null);
        });
        return flushCandidates(link);
      })
      .then(function () { return pc.createAnswer(); })
      .then(function (answer) { return pc.setLocalDescription(answer); })
      .then(function () {
        send({ video: "answer", to_user: from.user, to_peer: from.peer, cam: "sender", sdp: pc.localDescription.sdp });
      })
      .catch(function () { closeLink(link.key); });
  }

  function flushCandidates(link) {
    var pending = link.pending;
    link.pending = [];
    return Promise.all(pending.map(function (candidate) {
      return link.pc.addIceCandidate(candidate).catch(function () {});
    }));
  }

  function linkFor(message) {
    // "recipient": the connection carries my camera; "sender": theirs.
    var lane = message.cam === "recipient" ? "out" : "in";
    return links.get(lane + ":" + message.from_peer);
  }

  function onSignal(message) {
    if (message.video === "offer") {
      if (message.cam === "recipient") answerViewer(message);
      return;
    }
    var link = linkFor(message);
    if (!link) return;
    if (message.video === "answer") {
      link.pc.setRemoteDescription({ type: "answer", sdp: message.sdp })
        .then(function () { return flushCandidates(link); })
        .catch(function () {});
    } else if (message.video === "candidate") {
      var candidate = { candidate: message.candidate, sdpMid: message.mid || null, sdpMLineIndex: message.mline };
      if (link.pc.remoteDescription) link.pc.addIceCandidate(candidate).catch(function () {});
      else link.pending.push(candidate);
    } else if (message.video === "bye") {
      closeLink(link.key);
    }
  }

  // --- the room's cameras -------------------------------------------------------------

  function applyCameras(list) {
    cameras = list;
    var on = new Set(list.map(function (c) { return c.peer; }));
    links.forEach(function (link) {
      if (link.lane === "in" && !on.has(link.peer)) closeLink(link.key);
    });
    tiles.querySelectorAll(".camera-tile").forEach(function (tile) {
      var peer = tile.getAttribute("data-peer");
      if (peer !== me.peer && !on.has(peer)) removeTile(peer);
    });
    list.forEach(function (camera) {
      if (camera.peer === me.peer) {
        ownTile().setAttribute("data-mic", camera.mic ? "on" : "off");
        return;
      }
      if (!links.has("in:" + camera.peer)) receiveFrom(camera);
      var tile = tileFor(camera.peer);
      if (tile) tile.setAttribute("data-mic", camera.mic ? "on" : "off");
    });
    var others = list.filter(function (c) { return c.peer !== me.peer; }).length;
    if (!local.on && others < cap) fullNote.hidden = true;
    updateButtons();
  }

  function updateButtons() {
    cameraButton.disabled = !socket || local.starting || closed;
    cameraButton.textContent = local.on ? "Turn camera off" : "Turn camera on";
    cameraButton.setAttribute("aria-pressed", local.on ? "true" : "false");
    strip.setAttribute("data-camera", local.on ? "on" : "off");
    if (cameraState) {
      cameraState.textContent = local.on
        ? "Your camera is on: the others in this room see you."
        : "Your camera is off: nothing is sent until you turn it on.";
    }
    var micOn = !!local.mic;
    micButton.disabled = !local.on || (!micOn && !micAllowedNow());
    micButton.textContent = micOn ? "Microphone on" : "Microphone off";
    micButton.setAttribute("aria-pressed", micOn ? "true" : "false");
    micButton.title = micAllowedNow() ? "" : (micInBreaks ? "Microphones work during breaks." : "Microphones stay off in this room.");
    strip.setAttribute("data-mic", micOn ? "on" : "off");
  }

  // --- my camera and microphone -------------------------------------------------------

  function cameraProblem(error) {
    var name = error && error.name;
    if (name === "NotAllowedError" || name === "SecurityError") {
      return "Camera permission was denied. Allow the camera for this site (the icon in the address bar), then turn it on again.";
    }
    if (name === "NotFoundError" || name === "OverconstrainedError") {
      return "No camera was found. Plug one in or switch it on, then try again.";
    }
    if (name === "NotReadableError") {
      return "Your camera is busy in another app. Close that app, then try again.";
    }
    return "Your camera couldn't start. Check it, then try again.";
  }

  function showFull(text) {
    fullNote.textContent = text;
    fullNote.hidden = false;
  }

  function cameraOn() {
    var others = cameras.filter(function (c) { return c.peer !== me.peer; }).length;
    if (others >= cap) {
      showFull(cap + " cameras are on: yours can join when one turns off.");
      return;
    }
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      setState(ownTile(), "failed", "Video needs a secure (https) page and a recent browser.", null);
      return;
    }
    local.starting = true;
    updateButtons();
    var tile = ownTile();
    setState(tile, "connecting");
    navigator.mediaDevices.getUserMedia({ video: { width: { ideal: 640 }, height: { ideal: 480 } }, audio: false })
      .then(function (stream) {
        local.stream = stream;
        local.starting = false;
        local.on = true;
        var video = tile.querySelector("video");
        video.muted = true; // never hear oneself
        video.srcObject = stream;
        video.play().catch(function () {});
        setState(tile, "live");
        send({ video: "camera", on: true });
        clearInterval(aliveTimer);
        aliveTimer = setInterval(function () { if (local.on) send({ video: "alive" }); }, aliveEvery);
        updateButtons();
      })
      .catch(function (error) {
        local.starting = false;
        setState(tile, "failed", cameraProblem(error), function () { setState(tile, "off"); cameraOn(); });
        updateButtons();
      });
  }

  function cameraOff(tellServer) {
    micOff(tellServer);
    clearInterval(aliveTimer);
    if (local.stream) local.stream.getTracks().forEach(function (track) { track.stop(); });
    local.stream = null;
    local.on = local.starting = false;
    links.forEach(function (link) { if (link.lane === "out") closeLink(link.key); });
    if (tellServer) send({ video: "camera", on: false });
    var tile = tileFor(me.peer);
    if (tile) {
      tile.querySelector("video").srcObject = null;
      setState(tile, "off");
    }
    updateButtons();
  }

  function micOn() {
    if (!local.on || !micAllowedNow()) return;
    navigator.mediaDevices.getUserMedia({ audio: true, video: false })
      .then(function (stream) {
        if (!local.on || !micAllowedNow()) {
          stream.getTracks().forEach(function (track) { track.stop(); });
          return;
        }
        local.mic = stream.getAudioTracks()[0];
        setOutgoingAudio(local.mic);
        send({ video: "mic", on: true });
        updateButtons();
      })
      .catch(function (error) {
        var name = error && error.name;
        toast(name === "NotAllowedError" ? "Microphone permission was denied: allow it in the address bar, then try again."
          : name === "NotFoundError" ? "No microphone was found." : "Your microphone couldn't start.");
      });
  }

  function micOff(tellServer) {
    if (!local.mic) return;
    local.mic.stop();
    local.mic = null;
    setOutgoingAudio(null);
    if (tellServer !== false) send({ video: "mic", on: false });
    updateButtons();
  }

  function setOutgoingAudio(track) {
    links.forEach(function (link) {
      if (link.lane !== "out") return;
      link.pc.getTransceivers().forEach(function (transceiver) {
        if (transceiver.receiver.track.kind === "audio") transceiver.sender.replaceTrack(track);
      });
    });
  }

  // --- the timer's phase decides about sound ------------------------------------------

  function micAllowedNow() {
    if (micAnyTime) return true;
    var timer = document.getElementById("timer");
    return micInBreaks && !!timer && timer.getAttribute("data-phase") !== "work";
  }

  // Run on every timer push and every second: no audio plays during a work phase.
  function applyPhase() {
    var allowed = micAllowedNow();
    if (!allowed && local.mic) micOff(true);
    links.forEach(function (link) {
      if (link.lane !== "in") return;
      link.pc.getReceivers().forEach(function (receiver) {
        if (receiver.track && receiver.track.kind === "audio") receiver.track.enabled = allowed;
      });
      var tile = tileFor(link.peer);
      var video = tile && tile.querySelector("video");
      if (!video || video.muted === !allowed) return;
      video.muted = !allowed;
      if (!video.muted) {
        // Sound without a click may be refused by the browser: then stay muted.
        video.play().catch(function () { video.muted = true; video.play().catch(function () {}); });
      }
    });
    updateButtons();
  }

  // --- the socket ---------------------------------------------------------------------

  function onMessage(message) {
    switch (message.video) {
      case "welcome":
        ice = message.ice || [];
        cap = message.cap || cap;
        micInBreaks = !!message.mic_in_breaks;
        micAnyTime = !!message.mic_any_time;
        aliveEvery = Math.max(1000, (message.alive_every || 10) * 1000);
        applyCameras(message.cameras || []);
        if (local.on) send({ video: "camera", on: true }); // after a reconnect
        break;
      case "cameras":
        micInBreaks = !!message.mic_in_breaks;
        micAnyTime = !!message.mic_any_time;
        cap = message.cap || cap;
        applyCameras(message.cameras || []);
        applyPhase();
        break;
      case "full":
        cameraOff(false);
        showFull(message.text);
        break;
      case "left":
      case "gone":
        closeLinksWith(message.peer);
        break;
      default:
        onSignal(message);
    }
  }

  document.addEventListener("htmx:wsBeforeMessage", function (event) {
    if (event.detail.elt !== roomEl) return;
    var text = event.detail.message;
    if (typeof text !== "string" || text.charAt(0) !== "{") return;
    var message;
    try { message = JSON.parse(text); } catch (error) { return; }
    if (!message || typeof message.video !== "string") return;
    event.preventDefault(); // not HTML: htmx must not swap it
    onMessage(message);
  });

  document.addEventListener("htmx:wsOpen", function (event) {
    if (event.detail.elt !== roomEl) return;
    socket = event.detail.socketWrapper;
    send({ video: "hello", peer: me.peer });
    updateButtons();
  });

  // The socket closed: every call ends at once. Access ended (4401, 4403) turns the camera
  // off for good; a lost connection keeps it and claims it again after reconnecting.
  document.addEventListener("htmx:wsClose", function (event) {
    if (event.detail.elt !== roomEl) return;
    socket = null;
    closeAll();
    cameras = [];
    var code = event.detail.event && event.detail.event.code;
    if (code === 4401 || code === 4403 || code === 1000) cameraOff(false);
    updateButtons();
  });

  // A closed room ends every call: its banner comes with the room's push.
  function checkClosed() {
    var banner = document.getElementById("room-closed");
    if (closed || !banner || !banner.textContent.trim()) return;
    closed = true;
    closeAll();
    cameraOff(false);
    tiles.querySelectorAll(".camera-tile").forEach(function (tile) {
      if (tile.getAttribute("data-peer") !== me.peer) tile.remove();
    });
  }

  // Every push that may change the phase, the room or a person's goal.
  document.addEventListener("htmx:oobAfterSwap", function () {
    applyPhase();
    checkClosed();
    tiles.querySelectorAll(".camera-tile").forEach(refreshCaption);
  });
  document.addEventListener("htmx:afterSwap", applyPhase);
  setInterval(function () { applyPhase(); checkClosed(); }, 1000);

  cameraButton.addEventListener("click", function () {
    fullNote.hidden = true;
    if (local.on) cameraOff(true);
    else cameraOn();
  });
  micButton.addEventListener("click", function () {
    if (local.mic) micOff(true);
    else micOn();
  });
  window.addEventListener("pagehide", function () { closeAll(); });

  setState(ownTile(), "off");
  checkClosed();
  updateButtons();
})();
