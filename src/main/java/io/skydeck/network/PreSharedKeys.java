package io.skydeck.network;

import java.security.SecureRandom;

/**
 * The secret both ends of a VPN share. 40 characters of letters and digits (about 238 bits):
 * AWS takes 8 to 64 characters of letters, digits, '.' and '_', not starting with 0, and Neutron
 * any string; letters and digits only, starting with a letter, suit both.
 */
final class PreSharedKeys {
    private static final String LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    private static final String ALPHABET = LETTERS + "0123456789";
    private static final int LENGTH = 40;
    private static final SecureRandom RANDOM = new SecureRandom();

    private PreSharedKeys() {
    }

    static String make() {
        StringBuilder key = new StringBuilder(LENGTH);
        key.append(LETTERS.charAt(RANDOM.nextInt(LETTERS.length())));
        while (key.length() < LENGTH) {
            key.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
        }
        return key.toString();
    }
}
