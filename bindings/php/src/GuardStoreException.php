<?php

declare(strict_types=1);

namespace Isms;

/**
 * Status::GuardStore: the guard's store could not be read or written; nothing was sent.
 */
final class GuardStoreException extends IsmsException
{}
