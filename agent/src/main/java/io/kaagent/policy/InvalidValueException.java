package io.kaagent.policy;

/**
 * A value that does not fit its setting. The message describes the value only ("40000s is out of range, allowed
 * 1s..32767s"); the caller knows where the value came from and prefixes the key, file position or variable name.
 */
public final class InvalidValueException extends Exception {
    private static final long serialVersionUID = 1L;

    public InvalidValueException(String message) {
        super(message);
    }
}
