// Makes GoNB's page wait patienceMs (set by GonbPatienceJS) for the kernel's "#comm_open_ack", instead of the
// 500 ms of GoNB v0.11.4's internal/websocket/websocket.js, after which the page closes
// its connection and every widget of the cell is dead (docs/gonb-widget-race.md).
//
// It must run before GoNB's websocket.js, which the kernel sends when the cell's program
// first uses gonbui/comms. It catches the gonb_comm object that websocket.js assigns to
// globalThis (line 61), before websocket.js gives it its methods and connects (line 488),
// and makes the method _wait_open_ack, which websocket.js assigns at line 345, the patient
// one below. A gonb_comm that is closed (which deletes globalThis.gonb_comm) leaves the
// catch in place for the next one, as after a kernel restart or a failed heartbeat.
(() => {
  const patienceMs = __PATIENCE_MS__;

  // patientWaitOpenAck is GoNB's _wait_open_ack with patienceMs instead of 500 ms.
  function patientWaitOpenAck() {
    return new Promise((resolve, reject) => {
      const timeout = setTimeout(() => reject(Error(`comm_open_ack not received in ${patienceMs / 1000} s`)), patienceMs);
      this._onopen_ack = () => {
        clearTimeout(timeout);
        resolve(null);
      };
    });
  }

  function patch(comm) {
    if (!comm || typeof comm !== "object" || comm.advcnn_patient) return comm;
    comm.advcnn_patient = true;
    Object.defineProperty(comm, "_wait_open_ack", {
      configurable: true,
      get: () => patientWaitOpenAck,
      set: () => {}, // GoNB's own, which gives up after 500 ms
    });
    let close = comm.close;
    Object.defineProperty(comm, "close", {
      configurable: true,
      get: () => close && function (...args) {
        const r = close.apply(this, args); // deletes globalThis.gonb_comm, and so the catch
        catchGonbComm();
        return r;
      },
      set: (f) => { close = f; },
    });
    return comm;
  }

  function catchGonbComm() {
    const d = Object.getOwnPropertyDescriptor(globalThis, "gonb_comm");
    if (d?.get?.advcnn_patient) return;
    let comm = patch(globalThis.gonb_comm);
    const get = () => comm;
    get.advcnn_patient = true;
    Object.defineProperty(globalThis, "gonb_comm", {
      configurable: true, // websocket.js deletes it when it closes
      enumerable: true,
      get,
      set: (v) => { comm = patch(v); },
    });
  }

  catchGonbComm();
})();
