package io.kaagent.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SettingValuesTest {

    @ParameterizedTest(name = "{0} = {1}ms")
    @CsvSource({
            "30, 30000",
            "0, 0",
            "-5, -5000",
            "1500ms, 1500",
            "30s, 30000",
            "5m, 300000",
            "2h, 7200000",
            "0ms, 0",
            "99999999999999, 9223372036854775807",
    })
    void durationsInEveryUnit(String text, long millis) throws InvalidValueException {
        assertEquals(millis, SettingValues.parseDurationMillis(text));
    }

    @ParameterizedTest(name = "\"{0}\" is not a duration")
    @CsvSource({"30sec", "1.5m", "'30 s'", "s", "''", "-", "0x1E", "30S", "1d", "٣٠"})
    void notDurations(String text) {
        InvalidValueException e = assertThrows(InvalidValueException.class,
                () -> SettingValues.parseDurationMillis(text));
        assertEquals("\"" + text + "\" is not a duration; use a whole number of seconds or a whole number with "
                + "ms, s, m or h, e.g. 30s", e.getMessage());
    }

    @ParameterizedTest(name = "idle/intvl {0} = {1}s")
    @CsvSource({"1, 1", "1s, 1", "1000ms, 1", "32767, 32767", "32767s, 32767", "9m, 540", "9h, 32400"})
    void timerBoundsJustInside(String text, int seconds) throws InvalidValueException {
        assertEquals(seconds, SettingValues.parseTimerSeconds(text));
    }

    @ParameterizedTest(name = "idle/intvl {0}: {1}")
    @CsvSource(delimiter = '|', value = {
            "0|0 is out of range, allowed 1s..32767s",
            "0s|0s is out of range, allowed 1s..32767s",
            "32768|32768 is out of range, allowed 1s..32767s",
            "32768s|32768s is out of range, allowed 1s..32767s",
            "40000s|40000s is out of range, allowed 1s..32767s",
            "10h|10h is out of range, allowed 1s..32767s",
            "-1|-1 is out of range, allowed 1s..32767s",
            "1500ms|1500ms is not a whole number of seconds; keepalive timers are set in whole seconds",
            "999ms|999ms is not a whole number of seconds; keepalive timers are set in whole seconds",
            "99999999999999h|99999999999999h is out of range, allowed 1s..32767s",
    })
    void timerBoundsJustOutside(String text, String message) {
        assertEquals(message, assertThrows(InvalidValueException.class,
                () -> SettingValues.parseTimerSeconds(text)).getMessage());
    }

    @ParameterizedTest(name = "cnt {0}")
    @CsvSource({"1, 1", "6, 6", "127, 127"})
    void countBoundsJustInside(String text, int count) throws InvalidValueException {
        assertEquals(count, SettingValues.parseCount(text));
    }

    @ParameterizedTest(name = "cnt {0}: {1}")
    @CsvSource(delimiter = '|', value = {
            "0|0 is out of range, allowed 1..127",
            "128|128 is out of range, allowed 1..127",
            "-3|-3 is out of range, allowed 1..127",
            "99999999999999|99999999999999 is out of range, allowed 1..127",
            "3s|\"3s\" is not a whole number, allowed 1..127",
            "three|\"three\" is not a whole number, allowed 1..127",
    })
    void countBoundsJustOutside(String text, String message) {
        assertEquals(message, assertThrows(InvalidValueException.class,
                () -> SettingValues.parseCount(text)).getMessage());
    }

    @ParameterizedTest(name = "user_timeout {0} = {1}")
    @CsvSource({"off, off", "auto, auto", "1ms, 1ms", "45s, 45000ms", "45, 45000ms", "2m, 120000ms",
            "24h, 86400000ms", "86400000ms, 86400000ms"})
    void userTimeouts(String text, String parsed) throws InvalidValueException {
        assertEquals(parsed, SettingValues.parseUserTimeout(text).toString());
    }

    @ParameterizedTest(name = "user_timeout {0}: {1}")
    @CsvSource(delimiter = '|', value = {
            "0|0 is out of range, allowed off, auto or 1ms..24h",
            "0ms|0ms is out of range, allowed off, auto or 1ms..24h",
            "25h|25h is out of range, allowed off, auto or 1ms..24h",
            "86400001ms|86400001ms is out of range, allowed off, auto or 1ms..24h",
            "never|\"never\" is not allowed, use off, auto or a duration such as 45s",
            "OFF|\"OFF\" is not allowed, use off, auto or a duration such as 45s",
    })
    void badUserTimeouts(String text, String message) {
        assertEquals(message, assertThrows(InvalidValueException.class,
                () -> SettingValues.parseUserTimeout(text)).getMessage());
    }

    @ParameterizedTest(name = "nat_timeout {0} = {1}s")
    @CsvSource({"1, 1", "350s, 350", "4m, 240", "168h, 604800"})
    void natTimeouts(String text, int seconds) throws InvalidValueException {
        assertEquals(seconds, SettingValues.parseNatTimeoutSeconds(text));
    }

    @ParameterizedTest(name = "nat_timeout {0}: {1}")
    @CsvSource(delimiter = '|', value = {
            "0|0 is out of range, allowed 1s..168h",
            "169h|169h is out of range, allowed 1s..168h",
            "350500ms|350500ms is not a whole number of seconds; NAT timeouts are given in whole seconds",
    })
    void badNatTimeouts(String text, String message) {
        assertEquals(message, assertThrows(InvalidValueException.class,
                () -> SettingValues.parseNatTimeoutSeconds(text)).getMessage());
    }
}
