// fetch / undici: a `connect` function for undici's Agent (and Pool, Client)
// whose connections open through connect() / createTlsConnection(), so every
// socket of the dispatcher has its sizes before the handshake. undici is not
// a dependency: this is only a function with the signature it calls.
import type * as net from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import { connect, createTlsConnection, readSettings, type SockbufConnectOptions } from './connect.js';
import { coded } from './errors.js';
import { INT32_MAX, validateNumber, validateOptions } from './validate.js';

/** What undici passes to a custom connector. */
export interface UndiciConnectParams {
  hostname: string;
  host?: string;
  protocol: string;
  port: string | number;
  servername?: string | null;
  localAddress?: string | null;
  httpSocket?: unknown;
}

/** undici's callback: (null, socket) or (error, null). */
export type UndiciConnectCallback = (...args: [null, net.Socket] | [Error, null]) => void;

export interface UndiciConnectorOptions extends SockbufConnectOptions {
  /** Extra tls.connect options for https: origins (ca, rejectUnauthorized, ...). */
  tls?: ConnectionOptions;
  /** Connect timeout in milliseconds (default 10000, as undici's own); 0 for none. */
  timeout?: number;
  /** Extra net.connect options (autoSelectFamily, lookup, ...). */
  net?: Omit<net.TcpNetConnectOpts, 'host' | 'port'>;
}

/**
 * A `connect` function for undici: `new undici.Agent({ connect: undiciConnector({ buffers }) })`.
 * It calls back once the socket is connected (after the TLS handshake for
 * https:), or with the error; sizes and options go on every attempt's
 * descriptor before connect(2), as with connect().
 */
export function undiciConnector(
  options: UndiciConnectorOptions,
): (params: UndiciConnectParams, callback: UndiciConnectCallback) => void {
  validateOptions(options, 'options');
  const { buffers, socketOptions, tls, net: netOptions, timeout = 10000 } = options;
  validateNumber(timeout, 'options.timeout', 0, INT32_MAX);
  // Check the settings now rather than on the first request.
  readSettings(buffers, socketOptions);
  return function sockbufConnect(params, callback) {
    const https = params.protocol === 'https:';
    const port = Number(params.port) || (https ? 443 : 80);
    // undici gives IPv6 literals in brackets.
    const host = params.hostname.startsWith('[') ? params.hostname.slice(1, -1) : params.hostname;
    const base = {
      ...netOptions,
      host,
      port,
      buffers,
      socketOptions,
      ...(params.localAddress ? { localAddress: params.localAddress } : {}),
    };
    let socket: net.Socket;
    try {
      socket = https
        ? createTlsConnection({
            ...tls,
            ...base,
            servername: tls?.servername ?? params.servername ?? undefined,
            ALPNProtocols: tls?.ALPNProtocols ?? ['http/1.1'],
          })
        : connect(base);
    } catch (err) {
      callback(err as Error, null);
      return;
    }
    const ready = https ? 'secureConnect' : 'connect';
    let timer: NodeJS.Timeout | undefined;
    const done = (err: Error | null): void => {
      if (timer !== undefined) clearTimeout(timer);
      socket.removeListener(ready, onReady);
      socket.removeListener('error', done);
      if (err !== null) {
        socket.destroy();
        callback(err, null);
      } else {
        socket.setNoDelay(true);
        callback(null, socket);
      }
    };
    const onReady = (): void => done(null);
    socket.once(ready, onReady);
    socket.once('error', done);
    if (timeout > 0) {
      timer = setTimeout(() => {
        done(coded(`Connect Timeout Error (${timeout} ms)`, 'UND_ERR_CONNECT_TIMEOUT'));
      }, timeout);
      timer.unref();
    }
  };
}
