package io.skydeck.placement;

/** The kind of cloud behind a provider; a request may ask for one kind only. */
public enum ProviderKind {
    OPENSTACK, AWS, KUBERNETES, SANDBOX
}
