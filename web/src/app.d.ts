// See https://svelte.dev/docs/kit/types#app.d.ts
declare global {
  namespace App {
    interface Error {
      message: string;
      /** Present when the server failed, for the user to quote to support. */
      requestId?: string | null;
    }
  }
}

export {};
