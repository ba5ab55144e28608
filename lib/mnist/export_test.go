package mnist

// CheckErr is checkErr, for the tests of package mnist_test (real_test.go),
// which need mnisttest and so can't be inside package mnist.
var CheckErr = checkErr
