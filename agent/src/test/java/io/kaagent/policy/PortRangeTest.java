package io.kaagent.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PortRangeTest {

    @ParameterizedTest(name = "{0} = {1}..{2}")
    @CsvSource({"1, 1, 1", "65535, 65535, 65535", "5432, 5432, 5432", "5432-5439, 5432, 5439", "1-65535, 1, 65535",
            "'5432 - 5439', 5432, 5439", "80-80, 80, 80"})
    void parsesPortsAndRanges(String text, int first, int last) throws InvalidValueException {
        PortRange range = PortRange.parse(text);
        assertEquals(first, range.first());
        assertEquals(last, range.last());
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', value = {
            "0|0 is out of range, allowed 1..65535",
            "65536|65536 is out of range, allowed 1..65535",
            "-1|-1 is out of range, allowed 1..65535",
            "99999999|99999999 is out of range, allowed 1..65535",
            "0-10|0 in 0-10 is out of range, allowed 1..65535",
            "10-65536|65536 in 10-65536 is out of range, allowed 1..65535",
            "5439-5432|5439-5432 is not a valid port range: 5439 is above 5432",
            "abc|\"abc\" is not a port or a port range, use a number 1..65535 or a range like 5432-5439",
            "1.5|\"1.5\" is not a port or a port range, use a number 1..65535 or a range like 5432-5439",
            "5-|\"5-\" is not a port or a port range, use a number 1..65535 or a range like 5432-5439",
            "1-2-3|\"1-2-3\" is not a port or a port range, use a number 1..65535 or a range like 5432-5439",
    })
    void refusesBadPorts(String text, String message) {
        assertEquals(message, assertThrows(InvalidValueException.class, () -> PortRange.parse(text)).getMessage());
    }

    @ParameterizedTest(name = "{0} contains {1} = {2}")
    @CsvSource({"5432-5439, 5431, false", "5432-5439, 5432, true", "5432-5439, 5439, true", "5432-5439, 5440, false"})
    void containsItsEnds(String text, int port, boolean contained) throws InvalidValueException {
        assertEquals(contained, PortRange.parse(text).contains(port));
        assertEquals(text, PortRange.parse(text).toString());
    }
}
