//! SQLGetFunctions: the functions this driver implements.
