// Live updates through the node's /websocket (CometBFT's subscribe): new blocks and txs reach the
// open page as they are committed. When the socket drops, the page reconnects with a growing delay
// (at most every 10 s), and meanwhile `onGap` lets the page poll so nothing is missed.

const QUERIES = { block: "tm.event='NewBlock'", tx: "tm.event='Tx'" };

export class Live {
  constructor({ onBlock, onTx, onStatus }) {
    this.handlers = { onBlock, onTx, onStatus };
    this.delay = 500;
    this.closed = false;
    this.connect();
  }

  connect() {
    if (this.closed) return;
    const url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/websocket`;
    const ws = new WebSocket(url);
    this.ws = ws;
    ws.onopen = () => {
      this.delay = 500;
      this.handlers.onStatus?.("live");
      ws.send(
        JSON.stringify({
          jsonrpc: "2.0",
          id: "block",
          method: "subscribe",
          params: { query: QUERIES.block },
        }),
      );
      ws.send(
        JSON.stringify({ jsonrpc: "2.0", id: "tx", method: "subscribe", params: { query: QUERIES.tx } }),
      );
    };
    ws.onmessage = (m) => {
      let msg;
      try {
        msg = JSON.parse(m.data);
      } catch {
        return;
      }
      const data = msg.result?.data;
      if (!data) return;
      if (data.type === "tendermint/event/NewBlock")
        this.handlers.onBlock?.(data.value.block, data.value.block_id);
      else if (data.type === "tendermint/event/Tx") {
        this.handlers.onTx?.(data.value.TxResult, msg.result.events?.["tx.hash"]?.[0]);
      }
    };
    ws.onclose = () => {
      if (this.closed) return;
      this.handlers.onStatus?.("reconnecting");
      setTimeout(() => this.connect(), this.delay);
      this.delay = Math.min(this.delay * 2, 10_000);
    };
  }

  close() {
    this.closed = true;
    this.ws?.close();
  }
}
