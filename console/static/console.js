// Replay: highlight the turn under the whole call's playhead, and play an
// agent turn as its span of the whole recording (agent audio is not stored
// per turn, only in the call's stereo file).
(function () {
  "use strict";
  const recording = document.getElementById("recording");
  if (!recording) return;
  const turns = Array.from(document.querySelectorAll(".turn"));
  let stopAt = null;
  recording.addEventListener("timeupdate", function () {
    const now = recording.currentTime;
    for (const turn of turns) {
      const inside = now >= Number(turn.dataset.start) && now < Number(turn.dataset.end);
      turn.classList.toggle("playing", inside);
    }
    if (stopAt !== null && now >= stopAt) {
      recording.pause();
      stopAt = null;
    }
  });
  for (const button of document.querySelectorAll(".play-span")) {
    button.addEventListener("click", function () {
      recording.currentTime = Number(button.dataset.start);
      stopAt = Number(button.dataset.end);
      recording.play();
    });
  }
})();
