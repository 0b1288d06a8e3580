// A single-page app: the API process serves build/200.html for every page and the router
// runs in the browser. Nothing is rendered or prerendered on a server.
export const ssr = false;
export const prerender = false;
