package io.skydeck.support;

import io.skydeck.connectors.spi.Capability;
import io.skydeck.connectors.spi.CapabilityKind;
import io.skydeck.connectors.spi.CloudProvider;
import io.skydeck.connectors.spi.ProviderHealth;
import io.skydeck.connectors.spi.ProviderKind;
import io.skydeck.connectors.spi.Region;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A provider that runs {@code before} ahead of every call of every capability of the provider it
 * wraps — to see what the service does while it calls a cloud (is a transaction open?) or to
 * make something happen during a call (another replica takes the operation over).
 */
public final class InterceptedProvider implements CloudProvider {

    /** What runs before each call: the capability's method (for its name) and its arguments. */
    @FunctionalInterface
    public interface Before {
        void call(Method method, Object[] args);
    }

    private final CloudProvider delegate;
    private final Before before;

    public InterceptedProvider(CloudProvider delegate, Before before) {
        this.delegate = delegate;
        this.before = before;
    }

    public CloudProvider delegate() {
        return delegate;
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
        return delegate.capability(type).map(real -> type.cast(Proxy.newProxyInstance(type.getClassLoader(),
                new Class<?>[] {type}, (proxy, method, args) -> {
                    if (method.getDeclaringClass() != Object.class) {
                        before.call(method, args == null ? new Object[0] : args);
                    }
                    try {
                        return method.invoke(real, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                })));
    }

    @Override
    public ProviderHealth health() {
        return delegate.health();
    }

    /** The wrapped provider stays open: the test puts it back when done. */
    @Override
    public void close() {
    }
}
