package main

import "errors"

var errMissingEcho = errors.New(`field "echo" is missing`)
