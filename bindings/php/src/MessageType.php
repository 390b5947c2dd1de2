<?php

declare(strict_types=1);

namespace Isms;

/**
 * The message type of Client::sendOtp: the C library's IsmsMessageType.
 */
enum MessageType: int
{
    /** ASCII when every character is ASCII, else Unicode. */
    case Auto = 0;
    /** Gateway type 1: ASCII only (about 153 characters per credit). */
    case Ascii = 1;
    /** Gateway type 2: Unicode (about 63 characters per credit). */
    case Unicode = 2;
}
