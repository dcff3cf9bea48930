package io.skydeck.platform.web;

import io.quarkus.vertx.http.runtime.filters.Filters;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.MDC;

import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Gives every request an id (the caller's {@code X-Request-Id} when it is sane, else a new
 * one), echoes it in the response and puts it in the logging context, before anything else
 * — authentication included — runs.
 */
@ApplicationScoped
public class RequestIds {

    public static final String HEADER = "X-Request-Id";
    static final String KEY = "requestId";
    private static final Pattern SANE = Pattern.compile("[A-Za-z0-9._:-]{1,100}");

    void register(@Observes Filters filters) {
        filters.register(this::assign, 1000);
    }

    private void assign(RoutingContext rc) {
        String offered = rc.request().getHeader(HEADER);
        String id = offered != null && SANE.matcher(offered).matches() ? offered : UUID.randomUUID().toString();
        rc.put(KEY, id);
        rc.response().putHeader(HEADER, id);
        MDC.put(KEY, id);
        rc.addEndHandler(done -> MDC.remove(KEY));
        rc.next();
    }

    /** The id of the request being served, if any. */
    public static String of(RoutingContext rc) {
        return rc == null ? null : rc.get(KEY);
    }
}
