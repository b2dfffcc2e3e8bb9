// An EIP-1193 provider injected into the page, as MetaMask would inject one. Every request goes to the
// test's Python wallet (window.__provenantWallet, a Playwright binding) which signs with a development
// key and forwards the rest to the chain; the events a wallet emits are emitted here.
(() => {
  const listeners = {};
  const emit = (event, value) => (listeners[event] || []).forEach((listener) => listener(value));
  const provider = {
    isMetaMask: true,
    async request({ method, params }) {
      const answer = JSON.parse(await window.__provenantWallet(JSON.stringify({ method, params: params || [] })));
      if (answer.error) {
        const error = new Error(answer.error.message);
        error.code = answer.error.code;
        error.data = answer.error.data;
        throw error;
      }
      if (method === "wallet_switchEthereumChain") emit("chainChanged", params[0].chainId);
      return answer.result;
    },
    on(event, listener) {
      (listeners[event] = listeners[event] || []).push(listener);
      return provider;
    },
    removeListener(event, listener) {
      listeners[event] = (listeners[event] || []).filter((known) => known !== listener);
      return provider;
    },
  };
  window.ethereum = provider;
})();
