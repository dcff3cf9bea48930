package io.skydeck.connectors.openstack;

import org.openstack4j.api.exceptions.ConnectionException;
import org.openstack4j.connectors.okhttp.HttpCommand;
import org.openstack4j.connectors.okhttp.HttpResponseImpl;
import org.openstack4j.core.transport.HttpExecutorService;
import org.openstack4j.core.transport.HttpRequest;
import org.openstack4j.core.transport.HttpResponse;

import java.io.IOException;

/**
 * OpenStack4j's OkHttp transport, without its re-authentication, plus a note of the last error
 * response on this thread.
 *
 * <p>OpenStack4j's own executor answers a 401 by re-authenticating with the credentials kept in
 * the old token (the old password, after a rotation), and wraps whatever that throws — Keystone's
 * 401 included — in a ConnectionException, which reads as "cannot reach OpenStack", is retried
 * and counted by the circuit breaker, and leaves the first response unclosed. Here a 401 comes
 * back as a response; {@link OpenStackSession} drops the token, re-reads the secret and tries once
 * more. Only real transport failures become ConnectionException.
 *
 * <p>OpenStack4j also keeps, of an error response, only the status and (for 5xx) the reason
 * phrase: the Retry-After header and the fault body are gone. Skydeck needs both, so they are
 * copied into {@link ErrorResponse#last()} before OpenStack4j reads the response. Calls are
 * synchronous on the caller's thread, so a thread-local is exact. Found by OpenStack4j's
 * ServiceLoader ahead of the plain OkHttp executor.
 */
public final class RecordingHttpExecutor implements HttpExecutorService {
    static final String NAME = "Skydeck recording OkHttp connector";
    private static final long MAX_BODY = 16 * 1024;

    @Override
    public <R> HttpResponse execute(HttpRequest<R> request) {
        okhttp3.Response raw;
        try {
            raw = HttpCommand.create(request).execute();
        } catch (Exception transport) {
            throw new ConnectionException(transport.getMessage(), 0, transport);
        }
        if (raw.code() < 400) {
            return HttpResponseImpl.wrap(raw);
        }
        okhttp3.Response buffered = buffered(raw);
        ErrorResponse.record(buffered.code(), buffered.header("Retry-After"), text(buffered));
        return HttpResponseImpl.wrap(buffered);
    }

    /**
     * An error response with its body read into memory and the connection given back. OpenStack4j
     * throws on some error paths without closing the response, which OkHttp then logs as a leaked
     * connection; an in-memory body needs no closing.
     */
    private static okhttp3.Response buffered(okhttp3.Response raw) {
        try (raw) {
            okhttp3.ResponseBody body = raw.body();
            byte[] bytes = body == null ? new byte[0] : body.bytes();
            okhttp3.MediaType type = body == null ? null : body.contentType();
            return raw.newBuilder().body(okhttp3.ResponseBody.create(type, bytes)).build();
        } catch (IOException unreadable) {
            return raw.newBuilder().body(okhttp3.ResponseBody.create(null, new byte[0])).build();
        }
    }

    private static String text(okhttp3.Response response) {
        try {
            return response.peekBody(MAX_BODY).string();
        } catch (IOException | IllegalStateException e) {
            return "";
        }
    }

    @Override
    public String getExecutorDisplayName() {
        return NAME;
    }
}
