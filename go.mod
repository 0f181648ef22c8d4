module github.com/meshgw/meshgw

go 1.26
