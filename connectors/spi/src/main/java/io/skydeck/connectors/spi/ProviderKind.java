package io.skydeck.connectors.spi;

/** The kinds of cloud Skydeck brokers; placement hints and configuration name them. */
public enum ProviderKind {
    SANDBOX,
    OPENSTACK,
    AWS,
    KUBERNETES
}
