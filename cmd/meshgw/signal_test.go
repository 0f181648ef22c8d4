package main

import "os"

var interruptSignal = os.Interrupt
