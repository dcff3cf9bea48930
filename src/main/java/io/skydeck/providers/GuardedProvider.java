package io.skydeck.providers;

import io.skydeck.connectors.spi.Capability;
import io.skydeck.connectors.spi.CapabilityKind;
import io.skydeck.connectors.spi.CloudProvider;
import io.skydeck.connectors.spi.ProviderHealth;
import io.skydeck.connectors.spi.ProviderKind;
import io.skydeck.connectors.spi.Region;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A provider behind its {@link CircuitBreaker}: every call of every capability goes through the
 * breaker. The capabilities are wrapped with a dynamic proxy rather than one hand-written
 * decorator per interface, because the SPI has eight capability interfaces and forty methods,
 * all of which need exactly the same treatment; a new SPI method is guarded without a change here.
 *
 * <p>{@link #regions()} and {@link #health()} are not counted: connectors answer them without
 * throwing. While the circuit is open, health says so instead of calling a provider known to fail.
 */
public final class GuardedProvider implements CloudProvider {

    private final CloudProvider delegate;
    private final CircuitBreaker breaker;
    private final Clock clock;
    private final Map<Class<?>, Capability> guarded = new ConcurrentHashMap<>();

    public GuardedProvider(CloudProvider delegate, CircuitBreaker breaker, Clock clock) {
        this.delegate = delegate;
        this.breaker = breaker;
        this.clock = clock;
    }

    public CloudProvider delegate() {
        return delegate;
    }

    public CircuitBreaker breaker() {
        return breaker;
    }

    @Override
    public String name() {
        return delegate.name();
    }

    @Override
    public ProviderKind kind() {
        return delegate.kind();
    }

    @Override
    public List<Region> regions() {
        return delegate.regions();
    }

    @Override
    public boolean readsItsOwnWrites() {
        return delegate.readsItsOwnWrites();
    }

    @Override
    public Set<CapabilityKind> capabilities() {
        return delegate.capabilities();
    }

    @Override
    public <C extends Capability> Optional<C> capability(Class<C> type) {
        return delegate.capability(type).map(real -> type.cast(guarded.computeIfAbsent(type, t -> proxy(type, real))));
    }

    @Override
    public ProviderHealth health() {
        CircuitBreaker.Snapshot circuit = breaker.snapshot();
        if (circuit.state() == CircuitBreaker.State.OPEN) {
            return new ProviderHealth(ProviderHealth.State.DOWN, "circuit open after " + circuit.consecutiveFailures()
                    + " consecutive failures, until " + circuit.openUntil(), clock.instant());
        }
        return delegate.health();
    }

    @Override
    public void close() {
        delegate.close();
    }

    @Override
    public String toString() {
        return "Guarded[" + delegate + "]";
    }

    private <C extends Capability> Capability proxy(Class<C> type, C real) {
        InvocationHandler handler = (proxy, method, args) -> invoke(real, method, args);
        return (Capability) Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, handler);
    }

    private Object invoke(Object real, Method method, Object[] args) throws Throwable {
        if (method.getDeclaringClass() == Object.class) {
            return method.invoke(real, args);
        }
        try {
            return breaker.call(() -> {
                try {
                    return method.invoke(real, args);
                } catch (InvocationTargetException e) {
                    if (e.getCause() instanceof RuntimeException unchecked) {
                        throw unchecked;
                    }
                    if (e.getCause() instanceof Error error) {
                        throw error;
                    }
                    throw new Unwrapped(e.getCause());
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException("cannot call " + method, e);
                }
            });
        } catch (Unwrapped e) {
            throw e.getCause();
        }
    }

    /** Carries a checked throwable (none in the SPI today) through the breaker's Supplier. */
    private static final class Unwrapped extends RuntimeException {
        Unwrapped(Throwable cause) {
            super(cause);
        }
    }
}
