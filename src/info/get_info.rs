//! SQLGetInfo: the values a Microsoft driver answers.
