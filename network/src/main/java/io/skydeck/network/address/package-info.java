/**
 * Addresses and CIDR ranges, IPv4 and IPv6: strict parsing (canonical ranges only, so two
 * spellings never name one range), containment, overlap and carving a range into equal blocks.
 */
package io.skydeck.network.address;
