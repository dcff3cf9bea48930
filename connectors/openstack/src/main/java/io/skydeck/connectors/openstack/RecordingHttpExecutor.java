package io.skydeck.connectors.openstack;

import org.openstack4j.connectors.okhttp.HttpExecutorServiceImpl;
import org.openstack4j.connectors.okhttp.HttpResponseImpl;
import org.openstack4j.core.transport.HttpExecutorService;
import org.openstack4j.core.transport.HttpRequest;
import org.openstack4j.core.transport.HttpResponse;

import java.io.IOException;

/**
 * OpenStack4j's OkHttp connector, plus a note of the last error response on this thread.
 *
 * <p>OpenStack4j turns an error response into an exception or an ActionResponse that keeps the
 * status and, for 5xx, only the reason phrase: the Retry-After header and the fault body are
 * gone. Skydeck needs both (throttling honours Retry-After; errors carry the provider's own
 * message), so this executor, found by OpenStack4j's ServiceLoader ahead of the plain OkHttp
 * one, copies them into {@link ErrorResponse#last()} before OpenStack4j reads the response.
 * Calls are synchronous on the caller's thread, so a thread-local is exact.
 */
public final class RecordingHttpExecutor implements HttpExecutorService {
    static final String NAME = "Skydeck recording OkHttp connector";
    private static final long MAX_BODY = 16 * 1024;

    private final HttpExecutorService delegate = new HttpExecutorServiceImpl();

    @Override
    public <R> HttpResponse execute(HttpRequest<R> request) {
        HttpResponse response = delegate.execute(request);
        if (response.getStatus() >= 400) {
            ErrorResponse.record(response.getStatus(), response.header("Retry-After"), peekBody(response));
        }
        return response;
    }

    private static String peekBody(HttpResponse response) {
        if (response instanceof HttpResponseImpl okhttp) {
            try {
                return okhttp.unwrap().peekBody(MAX_BODY).string();
            } catch (IOException | IllegalStateException e) {
                return "";
            }
        }
        return "";
    }

    @Override
    public String getExecutorDisplayName() {
        return NAME;
    }
}
